package report

import (
	"encoding/xml"
	"io"
	"strconv"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the report's cases as JUnit XML (the Ant/Surefire
// format that Jenkins, GitLab, Azure DevOps and the JUnit report actions
// read): one testsuite per Case.Suite in order of first appearance, a
// failure element with the reason and its details for each failing case,
// skipped with the reason for skipped ones.
func WriteJUnit(w io.Writer, r *Report) error {
	doc := junitSuites{Name: r.Tool}
	at := map[string]int{}
	for _, c := range r.Cases {
		i, ok := at[c.Suite]
		if !ok {
			i = len(doc.Suites)
			at[c.Suite] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: c.Suite})
		}
		s := &doc.Suites[i]
		jc := junitCase{Name: c.Name, Classname: c.Class}
		switch c.Status {
		case Fail:
			jc.Failure = &junitMessage{Message: c.Message, Type: failureType(c), Body: c.Detail}
			s.Failures++
		case Skip:
			jc.Skipped = &junitMessage{Message: c.Message}
			s.Skipped++
		default:
			jc.SystemOut = c.Detail
		}
		s.Tests++
		s.Cases = append(s.Cases, jc)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// failureType is the failure's code when its message starts with one.
func failureType(c Case) string {
	if len(c.Message) >= 5 && c.Message[:2] == "SF" {
		if _, err := strconv.Atoi(c.Message[2:5]); err == nil {
			return c.Message[:5]
		}
	}
	return "failure"
}

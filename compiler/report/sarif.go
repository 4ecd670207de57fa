package report

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"github.com/sigforge/sigforge/compiler/source"
)

// SARIF 2.1.0 document, the subset sigforge writes. Field names follow the
// OASIS specification; see the schema under compiler/internal/schematest.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name,omitempty"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	FullDescription      sarifMessage `json:"fullDescription"`
	DefaultConfiguration struct {
		Level Level `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     Level           `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI       string `json:"uri"`
			URIBaseID string `json:"uriBaseId,omitempty"`
		} `json:"artifactLocation"`
		Region *sarifRegion `json:"region,omitempty"`
	} `json:"physicalLocation"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// WriteSARIF writes the report as one SARIF 2.1.0 log with one run. Rule
// ids are the problem codes; each finding with a file has a location whose
// region is its line and column (line 1 when only the file is known, so
// that code-scanning UIs still place it; columns in UTF-16 code units,
// SARIF's default, computed from the file when it can be read). Relative paths are given against
// %SRCROOT%, the checkout the command ran in.
func WriteSARIF(w io.Writer, r *Report) error {
	codes, index := r.usedCodes()
	driver := sarifDriver{
		Name:           r.Tool,
		Version:        r.Version,
		InformationURI: "https://github.com/sigforge/sigforge",
		Rules:          []sarifRule{},
	}
	for _, c := range codes {
		sr := sarifRule{ID: c.ID, Name: c.Name}
		sr.ShortDescription.Text = c.Name
		if c.Doc != "" {
			sr.ShortDescription.Text = firstSentence(c.Doc)
		}
		sr.FullDescription.Text = strings.TrimSpace(c.ID + " " + c.Name + ": " + c.Doc)
		sr.DefaultConfiguration.Level = LevelOf(c.Severity)
		driver.Rules = append(driver.Rules, sr)
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	cols := columns{}
	for _, f := range r.Findings {
		res := sarifResult{RuleID: f.Code, RuleIndex: index[f.Code], Level: f.Level, Message: sarifMessage{Text: f.Message}}
		if f.Pos.File != "" {
			pos := f.Pos
			pos.Col = cols.utf16(pos)
			res.Locations = []sarifLocation{location(pos)}
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func location(p source.Pos) sarifLocation {
	var loc sarifLocation
	al := &loc.PhysicalLocation.ArtifactLocation
	al.URI, al.URIBaseID = fileURI(p.File)
	region := &sarifRegion{StartLine: max(p.Line, 1)}
	if p.Line > 0 && p.Col > 0 {
		region.StartColumn = p.Col
	}
	loc.PhysicalLocation.Region = region
	return loc
}

// fileURI turns a path into a URI reference: relative paths stay relative
// (to %SRCROOT%), with forward slashes and percent-encoding.
func fileURI(path string) (uri, base string) {
	slashed := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // C:/x → /C:/x
		}
		return (&url.URL{Scheme: "file", Path: slashed}).String(), ""
	}
	slashed = strings.TrimPrefix(slashed, "./")
	return (&url.URL{Path: slashed}).String(), "%SRCROOT%"
}

// columns converts sigforge's byte columns into UTF-16 code units, SARIF's
// default column unit, reading each file once; when a file cannot be read
// the byte column is kept (they agree on ASCII lines).
type columns map[string][][]byte

func (c columns) utf16(p source.Pos) int {
	if p.Line <= 0 || p.Col <= 1 {
		return p.Col
	}
	lines, ok := c[p.File]
	if !ok {
		if data, err := os.ReadFile(p.File); err == nil {
			lines = bytes.Split(data, []byte("\n"))
		}
		c[p.File] = lines
	}
	if p.Line > len(lines) {
		return p.Col
	}
	line := lines[p.Line-1]
	if p.Col-1 > len(line) {
		return p.Col
	}
	n := 0
	for _, r := range string(line[:p.Col-1]) {
		n += len(utf16.Encode([]rune{r}))
	}
	return n + 1
}

func firstSentence(s string) string {
	if i := strings.Index(s, "; "); i > 0 {
		s = s[:i]
	}
	return s
}

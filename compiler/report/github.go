package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteGitHub writes one GitHub Actions workflow command per finding
// (::error, ::warning or ::notice with file, line, col and a title naming
// the code), which the Actions runner turns into annotations on the pull
// request's diff. Values are escaped as the runner's toolkit does: %, \r
// and \n in the message; also : and , in properties.
func WriteGitHub(w io.Writer, r *Report) error {
	names := map[string]string{}
	for _, c := range r.Codes {
		names[c.ID] = c.Name
	}
	var b strings.Builder
	for _, f := range r.Findings {
		cmd := "error"
		switch f.Level {
		case LevelWarning:
			cmd = "warning"
		case LevelNote:
			cmd = "notice"
		}
		var props []string
		if f.Pos.File != "" {
			props = append(props, "file="+escapeProperty(f.Pos.File))
			if f.Pos.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Pos.Line))
				if f.Pos.Col > 0 {
					props = append(props, fmt.Sprintf("col=%d", f.Pos.Col))
				}
			}
		}
		title := strings.TrimSpace(f.Code + " " + names[f.Code])
		if title != "" {
			props = append(props, "title="+escapeProperty(title))
		}
		b.WriteString("::" + cmd)
		if len(props) > 0 {
			b.WriteString(" " + strings.Join(props, ","))
		}
		b.WriteString("::" + escapeData(f.Message) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }

package main

import "fmt"
import "os"
import "strings"

// The markers of the generated part of a document.
const (
	docStart = "<!-- bench:results:start -->"
	docEnd   = "<!-- bench:results:end -->"
)

// updateDoc replaces the part of the markdown file at path between
// docStart and docEnd by the results md, without its title and with its
// headings one level down, so they nest under the document's own.
func updateDoc(path, md string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := spliceResults(string(b), md)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// spliceResults returns doc with the part between the markers replaced
// by md, adapted as updateDoc says.
func spliceResults(doc, md string) (string, error) {
	start := strings.Index(doc, docStart)
	end := strings.Index(doc, docEnd)
	if start < 0 || end < start {
		return "", fmt.Errorf("no %s ... %s markers", docStart, docEnd)
	}
	var body []string
	for _, line := range strings.Split(strings.TrimSpace(md), "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			continue
		case strings.HasPrefix(line, "#"):
			line = "#" + line
		}
		body = append(body, line)
	}
	return doc[:start+len(docStart)] + "\n" + strings.TrimSpace(strings.Join(body, "\n")) + "\n" + doc[end:], nil
}

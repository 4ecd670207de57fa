// Package attack is sigforge's built-in MITRE ATT&CK® Enterprise catalog
// (tactics, techniques and sub-techniques, generated from MITRE's data, see
// catalog_gen.go for the release and attribution) and the mapping of a
// rule's attack.* tags to the tactic → technique → sub-technique tree that
// Kibana's "threat" field and the pack's metadata use.
//
// Tags are Sigma's: tactics by their short name (attack.defense-evasion),
// techniques and sub-techniques by lower-case ID (attack.t1578,
// attack.t1578.002). Groups, software, data sources, mitigations and assets
// (attack.g0016, attack.s0002, attack.ds0005, attack.m1047, attack.a0001)
// are well-formed references the catalog does not list.
//
// ATT&CK v19 split the Defense Evasion tactic into Stealth and Defense
// Impairment and assigned new technique IDs (T1685 onwards); SigmaHQ's rules
// already use them. Those tags are known here as Newer: accepted (the
// validator warns), but not mapped into the threat tree, since the
// catalog's release does not define them.
package attack

//go:generate go run ./internal/gen -dir ../../../shared/corpus/mitre-attack -out catalog_gen.go

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/sigforge/sigforge/compiler/ir"
)

// Tactic is an ATT&CK tactic.
type Tactic struct {
	ID        string // TA0005
	ShortName string // defense-evasion
	Name      string // Defense Evasion
	Reference string
}

// Technique is an ATT&CK technique or sub-technique.
type Technique struct {
	ID         string   // T1578 or T1578.002
	Name       string   // the technique's own name (sub-techniques without the parent's)
	Parent     string   // T1578 for T1578.002; "" for techniques
	Tactics    []string // tactic short names
	Reference  string
	Deprecated bool
	Revoked    bool
	RevokedBy  string // the replacing ID of a revoked technique
}

// Active reports whether the technique is neither deprecated nor revoked.
func (t *Technique) Active() bool { return !t.Deprecated && !t.Revoked }

var (
	indexOnce   sync.Once
	tacticIndex map[string]*Tactic
	techIndex   map[string]*Technique
	techLower   map[string]*Technique // by lowercase ID, as tags write them
	tacticOrder map[string]int
)

func index() {
	indexOnce.Do(func() {
		tacticIndex = make(map[string]*Tactic, len(tactics))
		tacticOrder = make(map[string]int, len(tactics))
		for i := range tactics {
			tacticIndex[tactics[i].ShortName] = &tactics[i]
			tacticOrder[tactics[i].ShortName] = i
		}
		techIndex = make(map[string]*Technique, len(techniques))
		techLower = make(map[string]*Technique, len(techniques))
		for i := range techniques {
			techIndex[techniques[i].ID] = &techniques[i]
			techLower[strings.ToLower(techniques[i].ID)] = &techniques[i]
		}
	})
}

// Tactics returns the catalog's tactics in matrix order.
func Tactics() []Tactic { return slices.Clone(tactics) }

// LookupTactic finds a tactic by short name (defense-evasion).
func LookupTactic(shortName string) (*Tactic, bool) {
	index()
	t, ok := tacticIndex[shortName]
	return t, ok
}

// LookupTechnique finds a technique or sub-technique by ID, in any case
// (T1578.002, t1578.002).
func LookupTechnique(id string) (*Technique, bool) {
	index()
	if t, ok := techIndex[id]; ok {
		return t, true
	}
	if t, ok := techLower[id]; ok {
		return t, true
	}
	t, ok := techIndex[strings.ToUpper(id)]
	return t, ok
}

// Current follows the revoked-by chain of a technique to the technique that
// replaces it today; an active or deprecated technique is its own current
// form.
func Current(t *Technique) *Technique {
	for seen := 0; t.Revoked && t.RevokedBy != "" && seen < 10; seen++ {
		next, ok := LookupTechnique(t.RevokedBy)
		if !ok {
			break
		}
		t = next
	}
	return t
}

// newerTactics are tactic short names introduced after the catalog's
// release (ATT&CK v19's split of Defense Evasion).
var newerTactics = map[string]bool{"stealth": true, "defense-impairment": true}

// newerTechniques are technique IDs assigned after the catalog's release
// that published rules already use (ATT&CK v19: the successors of T1562
// Impair Defenses and related techniques). Their names and tactics are not
// in the catalog.
var newerTechniques = map[string]bool{
	"T1685": true, "T1685.001": true, "T1685.002": true, "T1685.003": true, "T1685.004": true,
	"T1685.005": true, "T1685.006": true,
	"T1686": true, "T1686.001": true, "T1686.002": true, "T1686.003": true,
	"T1687": true, "T1688": true, "T1689": true, "T1690": true,
}

// TagKind says what an attack.* tag names.
type TagKind int

const (
	TagInvalid   TagKind = iota // not a well-formed ATT&CK reference
	TagTactic                   // a tactic of the catalog
	TagTechnique                // a technique or sub-technique of the catalog
	TagOther                    // group, software, data source, mitigation, asset, campaign
	TagUnknown                  // well-formed tactic/technique reference the catalog does not know
	TagNewer                    // introduced after the catalog's release (see package doc)
)

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTechniqueTag matches t1234 and t1234.123.
func isTechniqueTag(s string) bool {
	if len(s) < 5 || s[0] != 't' {
		return false
	}
	id, sub, dotted := strings.Cut(s[1:], ".")
	return digits(id, 4) && (!dotted || digits(sub, 3))
}

// otherPrefixes are the ATT&CK object kinds other than tactics and
// techniques that tags may name: groups, software, data sources,
// mitigations, assets, campaigns, data components, detection strategies,
// analytics.
var otherPrefixes = []string{"g", "s", "ds", "m", "a", "c", "da", "dc", "det", "an"}

func isOtherTag(s string) bool {
	i := 0 // the first digit (no byte of a multi-byte character is one)
	for i < len(s) && (s[i] < '0' || s[i] > '9') {
		i++
	}
	return i > 0 && i < len(s) && slices.Contains(otherPrefixes, s[:i]) && digits(s[i:], 4)
}

// isTacticTag matches lowercase words joined by single hyphens.
func isTacticTag(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// ClassifyTag classifies the part after "attack." of a tag and returns the
// catalog entry it names, if any (*Tactic or *Technique).
func ClassifyTag(name string) (TagKind, any) {
	switch {
	case isTechniqueTag(name):
		// A technique tag is lowercase (t1234.567): one lookup by
		// lowercase ID is LookupTechnique's answer.
		index()
		if t, ok := techLower[name]; ok {
			return TagTechnique, t
		}
		if newerTechniques[strings.ToUpper(name)] {
			return TagNewer, nil
		}
		return TagUnknown, nil
	case isOtherTag(name):
		return TagOther, nil
	case isTacticTag(name):
		if t, ok := LookupTactic(name); ok {
			return TagTactic, t
		}
		if newerTactics[name] {
			return TagNewer, nil
		}
		return TagUnknown, nil
	}
	return TagInvalid, nil
}

// Threat resolves a rule's tags to the ATT&CK tree.
//
// Every technique tag is placed under each tactic tag of the rule that the
// technique belongs to in the catalog; a technique none of whose tactics
// the rule names is placed under its own first catalog tactic, so that no
// tagged technique is dropped. Sub-techniques are nested under their parent
// technique (which is listed even when not tagged itself). Revoked IDs are
// replaced by their current successor. Tactic tags without techniques are
// listed with none. Tactics come in matrix order, techniques and
// sub-techniques by ID. Tags the catalog does not define are ignored.
func Threat(tags []string) []ir.Tactic {
	index()
	var tacticBuf [8]string
	var techBuf [8]*Technique
	ruleTactics, techs := tacticBuf[:0], techBuf[:0]
	for _, tag := range tags {
		// Only a tag starting with a or A lowercases to one starting with
		// "attack."; one starting with "attack." lowercases its rest.
		if tag == "" || tag[0] != 'a' && tag[0] != 'A' {
			continue
		}
		name, ok := strings.CutPrefix(tag, "attack.")
		if ok {
			name = strings.ToLower(name)
		} else if name, ok = strings.CutPrefix(strings.ToLower(tag), "attack."); !ok {
			continue
		}
		switch kind, e := ClassifyTag(name); kind {
		case TagTactic:
			if short := e.(*Tactic).ShortName; !slices.Contains(ruleTactics, short) {
				ruleTactics = append(ruleTactics, short)
			}
		case TagTechnique:
			techs = append(techs, Current(e.(*Technique)))
		}
	}
	// Each placement is one node of the tree: a tactic (parent ""), a
	// technique under it (sub "") or a sub-technique under both.
	type placement struct {
		tactic      int // matrix order
		parent, sub string
	}
	var buf [16]placement // enough for most rules' tags
	places := buf[:0]
	for _, tac := range ruleTactics {
		places = append(places, placement{tactic: tacticOrder[tac]})
	}
	for _, t := range techs {
		parent, sub := t.ID, ""
		if t.Parent != "" {
			parent, sub = t.Parent, t.ID
		}
		placed := false
		for _, tac := range t.Tactics {
			if slices.Contains(ruleTactics, tac) {
				places = append(places, placement{tacticOrder[tac], parent, sub})
				placed = true
			}
		}
		if !placed && len(t.Tactics) > 0 {
			if _, ok := tacticIndex[t.Tactics[0]]; ok {
				places = append(places, placement{tacticOrder[t.Tactics[0]], parent, sub})
			}
		}
	}
	slices.SortFunc(places, func(a, b placement) int {
		return cmp.Or(cmp.Compare(a.tactic, b.tactic), cmp.Compare(a.parent, b.parent), cmp.Compare(a.sub, b.sub))
	})
	places = slices.Compact(places)
	// The tactics come from one allocation, the techniques and
	// sub-techniques from another: sorted, a tactic's techniques and a
	// technique's sub-techniques are runs of placements, so each takes the
	// next run of its level's part of the block.
	nTactics, nTechs, nSubs := 0, 0, 0
	for i, p := range places {
		if i == 0 || places[i-1].tactic != p.tactic {
			nTactics++
		}
		if p.parent != "" {
			nTechs++
		}
		if p.sub != "" {
			nSubs++
		}
	}
	out := make([]ir.Tactic, 0, nTactics)
	var techBlock, subBlock []ir.Technique
	if nTechs > 0 { // techniques, then sub-techniques
		all := make([]ir.Technique, nTechs+nSubs)
		techBlock, subBlock = all[:0:nTechs], all[nTechs:nTechs]
	}
	for _, p := range places {
		if len(out) == 0 || out[len(out)-1].ShortName != tactics[p.tactic].ShortName {
			tac := &tactics[p.tactic]
			out = append(out, ir.Tactic{ID: tac.ID, Name: tac.Name, ShortName: tac.ShortName, Reference: tac.Reference})
		}
		if p.parent == "" {
			continue
		}
		it := &out[len(out)-1]
		if n := len(it.Techniques); n == 0 || it.Techniques[n-1].ID != p.parent {
			tech := ir.Technique{ID: p.parent}
			if t := techIndex[p.parent]; t != nil {
				tech.Name, tech.Reference = t.Name, t.Reference
			}
			techBlock = append(techBlock, tech)
			it.Techniques = extend(it.Techniques, techBlock)
		}
		if p.sub != "" {
			tech := &it.Techniques[len(it.Techniques)-1]
			s := techIndex[p.sub]
			subBlock = append(subBlock, ir.Technique{ID: p.sub, Name: s.Name, Reference: s.Reference})
			tech.Subtechniques = extend(tech.Subtechniques, subBlock)
		}
	}
	return out
}

// extend returns run grown by the element just appended to block (its
// last), run being the end of block before it, or nil to start a run.
// The result has no spare capacity, so that appending to it copies.
func extend(run, block []ir.Technique) []ir.Technique {
	end := len(block)
	return block[end-len(run)-1 : end : end]
}

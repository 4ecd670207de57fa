// Package push makes a Kibana space match the compiled pack, rule by rule,
// keyed by rule_id. It never touches a rule that does not carry the
// ownership tag, it is safe to run twice (identical rules are left alone),
// and a rerun after a partial failure converges.
//
// Each pushed rule carries, in its free-form meta object, a hash of its
// content (every field sigforge sets, except version and enabled). A rule
// whose stored hash equals the hash of the compiled rule is unchanged; one
// whose hash differs is updated with its version bumped; enabled is never
// changed on an existing rule (it is an operator's decision in Kibana).
package push

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/sigforge/sigforge/backends/kibana/client"
)

// DefaultOwnerTag marks the rules sigforge manages.
const DefaultOwnerTag = "Managed by: sigforge"

// HashKey is the key of the content hash inside a rule's meta object.
const HashKey = "sigforge_hash"

// Action is what a plan does with one rule.
type Action string

const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Delete    Action = "delete"
	Conflict  Action = "conflict" // a foreign rule holds the rule_id
)

// Change is one field that differs.
type Change struct {
	Field string
	Old   string
	New   string
}

// Item is the plan for one rule, and after Apply its outcome.
type Item struct {
	RuleID string
	Name   string
	Action Action
	Diff   []Change
	Reason string // for Conflict
	Err    error  // set by Apply on failure

	desired client.Rule
	current client.Rule
}

// Plan is the list of items, sorted by rule name then rule_id.
type Plan struct {
	Items []*Item
}

// Options tune planning and applying.
type Options struct {
	OwnerTag string // default DefaultOwnerTag
	Prune    bool   // delete owned rules no longer compiled
	// Enabled, when set, is the enabled state of newly created rules;
	// otherwise the compiled document's own value is kept.
	Enabled *bool
}

func (o Options) owner() string {
	if o.OwnerTag == "" {
		return DefaultOwnerTag
	}
	return o.OwnerTag
}

// Stamp adds the ownership tag and the content hash to compiled rule
// documents (copies; the inputs are not changed).
func Stamp(docs []client.Rule, opts Options) ([]client.Rule, error) {
	out := make([]client.Rule, 0, len(docs))
	seen := map[string]bool{}
	for _, d := range docs {
		doc := cloneRule(d)
		id := doc.RuleID()
		if id == "" {
			return nil, fmt.Errorf("push: a compiled rule (%v) has no rule_id", doc["name"])
		}
		if seen[id] {
			return nil, fmt.Errorf("push: rule_id %s is compiled twice", id)
		}
		seen[id] = true
		tags := toStrings(doc["tags"])
		if !slices.Contains(tags, opts.owner()) {
			tags = append(tags, opts.owner())
		}
		doc["tags"] = tags
		meta, _ := doc["meta"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		delete(meta, HashKey)
		doc["meta"] = meta
		meta[HashKey] = ContentHash(doc)
		out = append(out, doc)
	}
	return out, nil
}

// ContentHash hashes a rule's content: its canonical JSON without version,
// enabled and the hash itself.
func ContentHash(doc client.Rule) string {
	c := cloneRule(doc)
	delete(c, "version")
	delete(c, "enabled")
	if meta, ok := c["meta"].(map[string]any); ok {
		delete(meta, HashKey)
	}
	b, _ := json.Marshal(c) // map keys marshal sorted: canonical
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MakePlan compares the stamped desired rules with the space.
func MakePlan(ctx context.Context, c *client.Client, desired []client.Rule, opts Options) (*Plan, error) {
	owned, err := c.FindAll(ctx, fmt.Sprintf("alert.attributes.tags:%q", opts.owner()))
	if err != nil {
		return nil, err
	}
	byID := map[string]client.Rule{}
	for _, r := range owned {
		byID[r.RuleID()] = r
	}
	plan := &Plan{}
	want := map[string]bool{}
	for _, d := range desired {
		id := d.RuleID()
		want[id] = true
		item := &Item{RuleID: id, Name: fmt.Sprint(d["name"]), desired: d}
		cur, ok := byID[id]
		if !ok {
			// Not among our rules: free, or held by a foreign rule.
			r, err := c.ReadRule(ctx, id)
			switch {
			case client.IsNotFound(err):
				item.Action = Create
			case err != nil:
				return nil, err
			default:
				item.Action = Conflict
				item.current = r
				item.Reason = fmt.Sprintf("a rule without the tag %q already has this rule_id; sigforge does not modify rules it does not own", opts.owner())
			}
			plan.Items = append(plan.Items, item)
			continue
		}
		item.current = cur
		if storedHash(cur) == storedHash(d) {
			item.Action = Unchanged
		} else {
			item.Action = Update
			item.Diff = Diff(cur, d)
		}
		plan.Items = append(plan.Items, item)
	}
	if opts.Prune {
		for id, r := range byID {
			if !want[id] {
				plan.Items = append(plan.Items, &Item{RuleID: id, Name: fmt.Sprint(r["name"]), Action: Delete, current: r})
			}
		}
	}
	slices.SortFunc(plan.Items, func(a, b *Item) int {
		return strings.Compare(a.Name+"\x00"+a.RuleID, b.Name+"\x00"+b.RuleID)
	})
	return plan, nil
}

// Apply carries out the plan item by item and records each outcome; it
// goes on after a failure. The error is non-nil when any item failed.
func Apply(ctx context.Context, c *client.Client, plan *Plan, opts Options) error {
	failed := 0
	for _, it := range plan.Items {
		switch it.Action {
		case Create:
			doc := cloneRule(it.desired)
			if opts.Enabled != nil {
				doc["enabled"] = *opts.Enabled
			}
			if _, ok := doc["version"]; !ok {
				doc["version"] = 1
			}
			_, err := c.CreateRule(ctx, doc)
			if client.IsConflict(err) {
				// A create that timed out and was retried, or a rerun after
				// an interrupted push: fine when the stored rule is ours and
				// identical.
				if cur, rerr := c.ReadRule(ctx, it.RuleID); rerr == nil && storedHash(cur) == storedHash(doc) && slices.Contains(toStrings(cur["tags"]), opts.owner()) {
					err = nil
				}
			}
			it.Err = err
		case Update:
			doc := cloneRule(it.desired)
			doc["version"] = versionOf(it.current) + 1
			if en, ok := it.current["enabled"]; ok {
				doc["enabled"] = en
			}
			_, it.Err = c.UpdateRule(ctx, doc)
		case Delete:
			err := c.DeleteRule(ctx, it.RuleID)
			if client.IsNotFound(err) {
				err = nil
			}
			it.Err = err
		case Conflict:
			it.Err = fmt.Errorf("%s", it.Reason)
		}
		if it.Err != nil {
			failed++
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if failed > 0 {
		return fmt.Errorf("push: %d of %d rules failed", failed, len(plan.Items))
	}
	return nil
}

// Counts returns how many items of each action the plan has (failures
// counted apart when applied).
func (p *Plan) Counts() map[string]int {
	m := map[string]int{}
	for _, it := range p.Items {
		if it.Err != nil {
			m["failed"]++
			continue
		}
		m[string(it.Action)]++
	}
	return m
}

// Summary renders "N created, N updated, N unchanged, N deleted" (and
// failed/conflict when any), for an applied plan.
func (p *Plan) Summary(applied bool) string {
	m := p.Counts()
	verb := map[Action]string{Create: "created", Update: "updated", Unchanged: "unchanged", Delete: "deleted"}
	if !applied {
		verb = map[Action]string{Create: "to create", Update: "to update", Unchanged: "unchanged", Delete: "to delete"}
	}
	parts := []string{
		fmt.Sprintf("%d %s", m[string(Create)], verb[Create]),
		fmt.Sprintf("%d %s", m[string(Update)], verb[Update]),
		fmt.Sprintf("%d %s", m[string(Unchanged)], verb[Unchanged]),
		fmt.Sprintf("%d %s", m[string(Delete)], verb[Delete]),
	}
	if n := m[string(Conflict)]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d conflicting", n))
	}
	if n := m["failed"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	return strings.Join(parts, ", ")
}

// Print writes the plan (or, after Apply, the outcomes), one line per rule,
// with field diffs under updates, then the summary line.
func (p *Plan) Print(w io.Writer, applied bool) {
	for _, it := range p.Items {
		status := string(it.Action)
		if it.Err != nil {
			status = "FAILED " + status
		}
		fmt.Fprintf(w, "%-9s %s  %s\n", status, it.RuleID, it.Name)
		if it.Err != nil {
			fmt.Fprintf(w, "          %v\n", it.Err)
		}
		for _, ch := range it.Diff {
			fmt.Fprintf(w, "          ~ %s: %s -> %s\n", ch.Field, ch.Old, ch.New)
		}
	}
	fmt.Fprintln(w, p.Summary(applied))
}

// Diff lists the fields of want whose value differs in have (fields Kibana
// adds and sigforge does not set are ignored, and so are version, enabled and
// the hash).
func Diff(have, want client.Rule) []Change {
	var out []Change
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "version" || k == "enabled" {
			continue
		}
		w, h := normalize(want[k]), normalize(have[k])
		if k == "meta" {
			w, h = withoutHash(w), withoutHash(h)
		}
		if !reflect.DeepEqual(w, h) {
			out = append(out, Change{Field: k, Old: short(h), New: short(w)})
		}
	}
	return out
}

// Drift compares the owned rules in Kibana with the desired ones field by
// field: what a pull reports. Missing rules are Create items, rules no
// longer compiled are Delete items, edited ones are Update items with a diff.
func Drift(ctx context.Context, c *client.Client, desired []client.Rule, opts Options) (*Plan, error) {
	o := opts
	o.Prune = true
	plan, err := MakePlan(ctx, c, desired, o)
	if err != nil {
		return nil, err
	}
	for _, it := range plan.Items {
		if it.current != nil && it.desired != nil && it.Action != Conflict {
			it.Diff = Diff(it.current, it.desired)
			if len(it.Diff) > 0 {
				it.Action = Update
			} else {
				it.Action = Unchanged
			}
		}
	}
	return plan, nil
}

func storedHash(r client.Rule) string {
	meta, _ := r["meta"].(map[string]any)
	s, _ := meta[HashKey].(string)
	return s
}

func withoutHash(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		if k != HashKey {
			out[k] = x
		}
	}
	return out
}

func versionOf(r client.Rule) int {
	switch v := r["version"].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	}
	return 0
}

// normalize round-trips a value through JSON so that ints and float64s,
// []string and []any compare equal.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func short(v any) string {
	if v == nil {
		return "(unset)"
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func cloneRule(r client.Rule) client.Rule {
	b, _ := json.Marshal(r)
	out := client.Rule{}
	_ = json.Unmarshal(b, &out)
	return out
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return slices.Clone(x)
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// NDJSON renders rule documents as an _import file, one rule per line.
func NDJSON(docs []client.Rule) ([]byte, error) {
	var b strings.Builder
	for _, d := range docs {
		line, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

package falco

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

type node = yaml.Node

func scalar(s string) *node {
	n := &node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func boolean(b bool) *node {
	v := "false"
	if b {
		v = "true"
	}
	return &node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}
}

func seq(items ...*node) *node {
	return &node{Kind: yaml.SequenceNode, Content: items}
}

func flowSeq(items ...string) *node {
	n := &node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		n.Content = append(n.Content, scalar(it))
	}
	return n
}

// mapping builds a mapping from key, value pairs (string, *node).
func mapping(kv ...any) *node {
	n := &node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, scalar(kv[i].(string)), kv[i+1].(*node))
	}
	return n
}

func encode(items []*node) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(seq(items...)); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

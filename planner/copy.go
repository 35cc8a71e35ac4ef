package planner

import (
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/pgerror"
)

// CopyFormat is how COPY ... TO STDOUT writes rows.
type CopyFormat struct {
	// Kind is "text", "csv" or "binary".
	Kind      string
	Delimiter byte
	Null      string
	Header    bool
	Quote     byte // csv only
	Escape    byte // csv only
	// ForceQuote lists the output columns whose non-NULL values are
	// quoted always (FORCE_QUOTE; csv only).
	ForceQuote []int
	// forceQuote is what FORCE_QUOTE named: its columns, or nil for *.
	forceQuote  []string
	forceAll    bool
	headerMatch bool
}

// planCopy plans COPY (query) TO STDOUT and COPY table [(columns)] TO
// STDOUT: the query's plan with the output format.
func (p *Planner) planCopy(b *binder, cs *pg_query.CopyStmt) (*Query, error) {
	if cs.IsFrom {
		return p.planCopyFrom(b, cs)
	}
	if cs.Filename != "" || cs.IsProgram {
		return nil, pgerror.New("42501", "must be superuser or have privileges of the pg_write_server_files role to COPY to a file").
			WithHint("Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.")
	}
	format, err := copyFormat(cs.Options)
	if err != nil {
		return nil, err
	}
	sel := cs.Query.GetSelectStmt()
	if sel == nil {
		if cs.Relation == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY supports SELECT queries and tables")
		}
		// COPY table (a, b) TO STDOUT is SELECT a, b FROM table.
		targets := []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{
			Val: &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: []*pg_query.Node{{Node: &pg_query.Node_AStar{AStar: &pg_query.A_Star{}}}}}}},
		}}}}
		if len(cs.Attlist) > 0 {
			targets = nil
			for _, a := range cs.Attlist {
				targets = append(targets, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{
					Val: &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: []*pg_query.Node{a}, Location: cs.Relation.Location}}},
				}}})
			}
		}
		sel = &pg_query.SelectStmt{TargetList: targets, Op: pg_query.SetOperation_SETOP_NONE,
			FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeVar{RangeVar: cs.Relation}}}}
	}
	plan, err := p.planSelect(b, sel)
	if err != nil {
		return nil, err
	}
	if format.headerMatch {
		return nil, pgerror.New(pgerror.FeatureNotSupported, `cannot use "match" with HEADER in COPY TO`)
	}
	fields := plan.Schema().Fields()
	for i := range fields {
		if format.forceAll {
			format.ForceQuote = append(format.ForceQuote, i)
		}
	}
	for _, name := range format.forceQuote {
		i := slices.IndexFunc(fields, func(f arrow.Field) bool { return f.Name == name })
		if i < 0 {
			return nil, pgerror.New(pgerror.UndefinedColumn, "column %q does not exist", name)
		}
		format.ForceQuote = append(format.ForceQuote, i)
	}
	return &Query{Plan: plan, Tag: "COPY", Copy: format}, nil
}

func copyFormat(options []*pg_query.Node) (*CopyFormat, error) {
	f := &CopyFormat{Kind: "text", Delimiter: '\t', Null: `\N`, Quote: '"'}
	var delim, null *string
	var escape *byte
	force := false
	for _, o := range options {
		d := o.GetDefElem()
		val := ""
		if d.Arg != nil {
			switch {
			case d.Arg.GetString_() != nil:
				val = d.Arg.GetString_().Sval
			case d.Arg.GetBoolean() != nil:
				val = map[bool]string{true: "true", false: "false"}[d.Arg.GetBoolean().Boolval]
			case d.Arg.GetInteger() != nil:
				val = map[bool]string{true: "true", false: "false"}[d.Arg.GetInteger().Ival != 0]
			}
		}
		switch d.Defname {
		case "format":
			switch strings.ToLower(val) {
			case "text", "csv", "binary":
				f.Kind = strings.ToLower(val)
			default:
				return nil, pgerror.New(pgerror.InvalidParameterValue, "COPY format %q not recognized", val)
			}
		case "header":
			f.Header = val == "" || val == "true" || val == "on"
			if d.Arg.GetString_() != nil && strings.EqualFold(val, "match") {
				f.Header, f.headerMatch = true, true
			}
		case "delimiter":
			delim = &val
		case "null":
			null = &val
		case "quote":
			if len(val) != 1 {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY quote must be a single one-byte character")
			}
			f.Quote = val[0]
		case "escape":
			if len(val) != 1 {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY escape must be a single one-byte character")
			}
			e := val[0]
			escape = &e
		case "force_quote":
			force = true
			if d.Arg.GetAStar() != nil {
				f.forceAll = true
				continue
			}
			for _, n := range d.Arg.GetList().GetItems() {
				f.forceQuote = append(f.forceQuote, n.GetString_().GetSval())
			}
		case "encoding":
			if e := strings.ToUpper(strings.ReplaceAll(val, "-", "")); e != "UTF8" && e != "UNICODE" {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY encoding %s is not supported", val)
			}
		default:
			return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY option %q is not supported", d.Defname)
		}
	}
	if f.Kind == "csv" {
		f.Delimiter, f.Null = ',', ""
	}
	// The escape is the quote unless named.
	f.Escape = f.Quote
	if escape != nil {
		f.Escape = *escape
	}
	if force && f.Kind != "csv" {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY force quote available only in CSV mode")
	}
	if delim != nil {
		if len(*delim) != 1 {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		f.Delimiter = (*delim)[0]
	}
	if null != nil {
		f.Null = *null
	}
	if f.Kind == "binary" && (delim != nil || null != nil || f.Header) {
		return nil, pgerror.New(pgerror.SyntaxError, "cannot specify DELIMITER, NULL or HEADER in BINARY mode")
	}
	return f, nil
}

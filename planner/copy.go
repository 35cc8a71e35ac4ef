package planner

import (
	"strings"

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
	return &Query{Plan: plan, Tag: "COPY", Copy: format}, nil
}

func copyFormat(options []*pg_query.Node) (*CopyFormat, error) {
	f := &CopyFormat{Kind: "text", Delimiter: '\t', Null: `\N`, Quote: '"', Escape: '"'}
	var delim, null *string
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
			f.Escape = val[0]
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

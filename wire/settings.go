package wire

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// setting describes one run-time parameter a session can SHOW and SET.
type setting struct {
	name     string // canonical spelling, as SHOW ALL prints it
	def      string
	desc     string
	report   bool // sent as ParameterStatus when it changes (GUC_REPORT)
	readOnly bool
	// txMode marks a mode of the current transaction (transaction_isolation,
	// ...): outside a block it shows its default_ setting, and SET changes
	// it for the block only.
	txMode bool
	// check validates and normalizes a new value; nil accepts anything.
	check func(s *Session, v string) (string, error)
}

// settingDefs are the parameters riffq knows, with PostgreSQL 15's names and
// defaults. Unknown names fail as in PostgreSQL, except custom ones with a
// dot ("myapp.tenant"), which any session may set.
var settingDefs = []setting{
	{name: "application_name", desc: "Sets the application name to be reported in statistics and logs.", report: true},
	{name: "bytea_output", def: "hex", desc: "Sets the output format for bytea.", check: oneOf("hex")},
	// pg_dump's scripts set check_function_bodies, xmloption,
	// row_security, default_tablespace and default_table_access_method;
	// they change nothing here.
	{name: "check_function_bodies", def: "on", desc: "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.", check: checkBool("check_function_bodies")},
	{name: "client_encoding", def: "UTF8", desc: "Sets the client's character set encoding.", report: true, check: checkEncoding},
	{name: "client_min_messages", def: "notice", desc: "Sets the message levels that are sent to the client.",
		check: oneOf("debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error")},
	{name: "default_table_access_method", def: "heap", desc: "Sets the default table access method for new tables.", check: oneOf("heap")},
	{name: "default_tablespace", desc: "Sets the default tablespace to create tables and indexes in.", check: oneOf("", "pg_default")},
	{name: "DateStyle", def: "ISO, MDY", desc: "Sets the display format for date and time values.", report: true, check: checkDateStyle},
	{name: "default_transaction_deferrable", def: "off", desc: "Sets the default deferrable status of new transactions.", check: checkBool("default_transaction_deferrable")},
	{name: "default_transaction_isolation", def: "read committed", desc: "Sets the transaction isolation level of each new transaction.", check: checkIsolation("default_transaction_isolation")},
	{name: "default_transaction_read_only", def: "off", desc: "Sets the default read-only status of new transactions.", report: true, check: checkBool("default_transaction_read_only")},
	{name: "extra_float_digits", def: "1", desc: "Sets the number of digits displayed for floating-point values.", check: checkFloatDigits},
	{name: "idle_in_transaction_session_timeout", def: "0", check: checkDuration("idle_in_transaction_session_timeout"), desc: "Sets the maximum allowed idle time between queries, when in a transaction."},
	{name: "idle_session_timeout", def: "0", check: checkDuration("idle_session_timeout"), desc: "Sets the maximum allowed idle time between queries, when not in a transaction."},
	{name: "in_hot_standby", def: "off", desc: "Shows whether hot standby is currently active.", report: true, readOnly: true},
	{name: "integer_datetimes", def: "on", desc: "Shows whether datetimes are integer based.", report: true, readOnly: true},
	{name: "IntervalStyle", def: "postgres", desc: "Sets the display format for interval values.", report: true, check: oneOf("postgres")},
	{name: "is_superuser", def: "on", desc: "Shows whether the current user is a superuser.", report: true, readOnly: true},
	{name: "jit", def: "off", desc: "Allow JIT compilation."},
	{name: "lc_collate", def: "C", desc: "Shows the collation order locale.", readOnly: true},
	{name: "lc_ctype", def: "C", desc: "Shows the character classification and case conversion locale.", readOnly: true},
	{name: "lc_messages", def: "C", desc: "Sets the language in which messages are displayed."},
	{name: "lc_monetary", def: "C", desc: "Sets the locale for formatting monetary amounts."},
	{name: "lc_numeric", def: "C", desc: "Sets the locale for formatting numbers."},
	{name: "lc_time", def: "C", desc: "Sets the locale for formatting date and time values."},
	{name: "lock_timeout", def: "0", check: checkDuration("lock_timeout"), desc: "Sets the maximum allowed duration of any wait for a lock."},
	{name: "max_identifier_length", def: "63", desc: "Shows the maximum identifier length.", readOnly: true},
	{name: "max_index_keys", def: "32", desc: "Shows the maximum number of index keys.", readOnly: true},
	{name: "row_security", def: "on", desc: "Enable row security.", check: checkBool("row_security")},
	{name: "search_path", def: `"$user", public`, desc: "Sets the schema search order for names that are not schema-qualified."},
	{name: "server_encoding", def: "UTF8", desc: "Shows the server (database) character set encoding.", report: true, readOnly: true},
	{name: "server_version", desc: "Shows the server version.", report: true, readOnly: true},
	{name: "server_version_num", def: "150000", desc: "Shows the server version as an integer.", readOnly: true},
	{name: "session_authorization", desc: "Sets the session user name.", report: true, readOnly: true},
	{name: "standard_conforming_strings", def: "on", desc: "Causes '...' strings to treat backslashes literally.", report: true, check: oneOf("on")},
	{name: "statement_timeout", def: "0", check: checkDuration("statement_timeout"), desc: "Sets the maximum allowed duration of any statement."},
	{name: "synchronous_commit", def: "on", desc: "Sets the current transaction's synchronization level."},
	// pg_dump turns it off; scans here start where they start anyway.
	{name: "synchronize_seqscans", def: "on", desc: "Enable synchronized sequential scans.", check: checkBool("synchronize_seqscans")},
	{name: "TimeZone", def: "UTC", desc: "Sets the time zone for displaying and interpreting time stamps.", report: true, check: checkTimeZone},
	{name: "timezone_abbreviations", def: "Default", desc: "Selects a file of time zone abbreviations."},
	{name: "transaction_deferrable", def: "off", desc: "Whether to defer a read-only serializable transaction until it can be executed with no possible serialization failures.", txMode: true, check: checkBool("transaction_deferrable")},
	{name: "transaction_isolation", def: "read committed", desc: "Sets the current transaction's isolation level.", txMode: true, check: checkIsolation("transaction_isolation")},
	{name: "transaction_read_only", def: "off", desc: "Sets the current transaction's read-only status.", txMode: true, check: checkBool("transaction_read_only")},
	{name: "work_mem", def: "4MB", desc: "Sets the maximum memory to be used for query workspaces.", check: checkMemory("work_mem", 64)},
	{name: "xmloption", def: "content", desc: "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.", check: oneOf("content", "document")},
}

func findSetting(name string) (*setting, bool) {
	for i := range settingDefs {
		if strings.EqualFold(settingDefs[i].name, name) {
			return &settingDefs[i], true
		}
	}
	return nil, false
}

func oneOf(values ...string) func(*Session, string) (string, error) {
	return func(_ *Session, v string) (string, error) {
		for _, ok := range values {
			if strings.EqualFold(v, ok) {
				return ok, nil
			}
		}
		return "", fmt.Errorf("only %s is supported", strings.Join(values, ", "))
	}
}

func checkInt(name string, lo, hi int) func(*Session, string) (string, error) {
	return func(_ *Session, v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter %q: %q", name, v).WithHint("requires an integer value")
		}
		if n < lo || n > hi {
			return "", pgerror.New(pgerror.InvalidParameterValue, "%d is outside the valid range for parameter %q (%d .. %d)", n, name, lo, hi)
		}
		return strconv.Itoa(n), nil
	}
}

// checkFloatDigits accepts extra_float_digits and sets how the session
// prints floats.
func checkFloatDigits(s *Session, v string) (string, error) {
	out, err := checkInt("extra_float_digits", -15, 3)(s, v)
	if err == nil && s != nil {
		n, _ := strconv.Atoi(out)
		s.FloatDigits, s.FloatRounded = n, n <= 0
	}
	return out, err
}

// checkBool accepts PostgreSQL's spellings of a Boolean setting (on, off,
// true, false, yes, no, 1, 0 and unique prefixes: boolean input's) and
// stores on or off.
func checkBool(name string) func(*Session, string) (string, error) {
	return func(_ *Session, v string) (string, error) {
		b, err := pgtext.Parse(v, arrow.FixedWidthTypes.Boolean)
		if err != nil {
			return "", pgerror.New(pgerror.InvalidParameterValue, "parameter %q requires a Boolean value", name)
		}
		if b.(*scalar.Boolean).Value {
			return "on", nil
		}
		return "off", nil
	}
}

// checkIsolation accepts the four isolation levels. riffq's data changes
// only by the session's own statements, so every level behaves alike; the
// setting is kept so clients that set and read it see what they set.
func checkIsolation(name string) func(*Session, string) (string, error) {
	levels := []string{"serializable", "repeatable read", "read committed", "read uncommitted"}
	return func(_ *Session, v string) (string, error) {
		l := strings.ToLower(strings.TrimSpace(v))
		if slices.Contains(levels, l) {
			return l, nil
		}
		return "", pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter %q: %q", name, v).
			WithHint("Available values: %s.", strings.Join(levels, ", "))
	}
}

func checkEncoding(_ *Session, v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(v), "-", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	}
	return "", fmt.Errorf("only UTF8 is supported")
}

func checkDateStyle(s *Session, v string) (string, error) {
	out := "ISO, MDY"
	for _, part := range strings.Split(v, ",") {
		switch strings.ToUpper(strings.TrimSpace(part)) {
		case "ISO", "MDY", "US", "NONEURO", "NONEUROPEAN", "DEFAULT":
		case "DMY", "EURO", "EUROPEAN":
			out = "ISO, DMY"
		case "YMD":
			out = "ISO, YMD"
		default:
			return "", fmt.Errorf("only the ISO output style is supported")
		}
	}
	if s != nil {
		s.DateOrder = pgtext.DateOrderOf(out)
	}
	return out, nil
}

func checkTimeZone(s *Session, v string) (string, error) {
	loc, err := loadLocation(v)
	if err != nil {
		return "", err
	}
	if s != nil {
		s.Location = loc
	}
	if loc != time.UTC {
		return loc.String(), nil // as the tz database spells it
	}
	return v, nil
}

// loadLocation resolves a TimeZone value: a zone name, a number of hours
// east of Greenwich ("-5"), or a POSIX-style offset with minutes ("+05:30",
// west of Greenwich).
func loadLocation(v string) (*time.Location, error) {
	if v != "" && (v[0] == '+' || v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		if d, err := parseOffset(v); err == nil {
			return time.FixedZone(v, d), nil
		}
	}
	loc, ok := pgtext.LoadZone(v)
	if !ok {
		return nil, fmt.Errorf("unknown time zone %s", v)
	}
	return loc, nil
}

func parseOffset(v string) (int, error) {
	sign := 1
	switch v[0] {
	case '-':
		sign, v = -1, v[1:]
	case '+':
		v = v[1:]
	}
	parts := strings.Split(v, ":")
	if len(parts) > 3 {
		return 0, fmt.Errorf("bad offset")
	}
	secs := 0
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return 0, err
		}
		secs += n * []int{3600, 60, 1}[i]
	}
	// A bare number of hours is an offset east of UTC (SET TIME ZONE -5 is
	// 5 hours behind); with minutes it is a POSIX time zone, whose offsets
	// count west ('+05:30' is 5:30 behind), as PostgreSQL reads both.
	if len(parts) > 1 {
		sign = -sign
	}
	return sign * secs, nil
}

// Setting returns the canonical name and current value of a setting.
func (s *Session) Setting(name string) (string, string, error) {
	def, ok := findSetting(name)
	if !ok {
		if strings.Contains(name, ".") {
			if v, ok := s.settings[strings.ToLower(name)]; ok {
				return name, v, nil
			}
		}
		return "", "", pgerror.New("42704", "unrecognized configuration parameter %q", name)
	}
	if def.txMode && !s.inTx() {
		// The implicit transaction of the next statement takes the default.
		_, v, err := s.Setting("default_" + def.name)
		return def.name, v, err
	}
	if v, ok := s.settings[strings.ToLower(def.name)]; ok {
		return def.name, v, nil
	}
	return def.name, def.def, nil
}

// SetSetting changes a setting: for the session, or until the end of the
// transaction when local; reset restores the default ("all" resets every
// setting).
func (s *Session) SetSetting(name, value string, local, reset bool) error {
	if reset && strings.EqualFold(name, "all") {
		for _, d := range settingDefs {
			if !d.readOnly {
				if err := s.SetSetting(d.name, "", local, true); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if strings.EqualFold(name, "timezone") || name == "time zone" {
		name = "TimeZone"
	}
	key := strings.ToLower(name)
	def, known := findSetting(name)
	switch {
	case !known && !strings.Contains(name, "."):
		return pgerror.New("42704", "unrecognized configuration parameter %q", name)
	case known && def.readOnly:
		return pgerror.New("55P02", "parameter %q cannot be changed", def.name)
	}
	if reset {
		value = s.defaults[key]
		if known && value == "" {
			value = def.def
		}
	}
	if known && def.check != nil {
		v, err := def.check(s, value)
		if pe, ok := err.(*pgerror.Error); ok {
			return pe
		}
		if err != nil {
			return &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: fmt.Sprintf("invalid value for parameter %q: %q", def.name, value), Detail: err.Error()}
		}
		value = v
	}
	if known && def.txMode {
		if !s.inTx() {
			return nil // it would last only for this statement's transaction
		}
		if err := s.checkTxMode(def, value); err != nil {
			return err
		}
		local = true
	}
	if local && !s.inTx() {
		// As PostgreSQL: SET LOCAL outside a transaction block has no effect
		// (it warns; the block it would apply to ends at once).
		return nil
	}
	if s.inTx() {
		old, had := s.settings[key]
		if _, saved := s.txSaved[key]; !saved {
			s.txSaved[key] = savedSetting{value: old, had: had, local: local}
		}
		if len(s.txLog.savepoints) > 0 {
			// ROLLBACK TO a savepoint made before this SET undoes it.
			s.OnRollback(func() { s.restoreSetting(key, old, had) })
		}
	}
	s.settings[key] = value
	if known && def.report {
		s.reportChanged(def.name, value)
	}
	if strings.HasSuffix(key, "_timeout") {
		s.refreshTimeouts()
	}
	return nil
}

// checkTxMode refuses what PostgreSQL refuses once the block has run a
// query: another isolation level or deferrable mode, or going from read
// only to read write.
func (s *Session) checkTxMode(def *setting, value string) error {
	_, cur, _ := s.Setting(def.name)
	switch {
	case cur == value:
		return nil
	case def.name == "transaction_read_only" && value == "off" && len(s.txLog.savepoints) > 0:
		return pgerror.New("25001", "cannot set transaction read-write mode inside a read-only transaction")
	case !s.txQueried:
		return nil
	case def.name == "transaction_isolation":
		return pgerror.New("25001", "SET TRANSACTION ISOLATION LEVEL must be called before any query")
	case def.name == "transaction_deferrable":
		return pgerror.New("25001", "SET TRANSACTION [NOT] DEFERRABLE must be called before any query")
	case value == "off":
		return pgerror.New("25001", "transaction read-write mode must be set before any query")
	}
	return nil
}

// beginTx opens a transaction block with the default modes.
func (s *Session) beginTx() {
	s.tx = 'T'
	s.txQueried = false
	for i := range settingDefs {
		d := &settingDefs[i]
		if !d.txMode {
			continue
		}
		_, v, _ := s.Setting("default_" + d.name)
		key := strings.ToLower(d.name)
		if _, saved := s.txSaved[key]; !saved {
			old, had := s.settings[key]
			s.txSaved[key] = savedSetting{value: old, had: had, local: true}
		}
		s.settings[key] = v
	}
}

type savedSetting struct {
	value      string
	had, local bool
}

// endTx finishes a transaction block's settings: a rollback restores what
// the block changed, a commit keeps them except SET LOCAL ones.
func (s *Session) endTx(commit bool) {
	s.finishTxLog(commit)
	s.endCursors(commit)
	for key, saved := range s.txSaved {
		if commit && !saved.local {
			continue
		}
		s.restoreSetting(key, saved.value, saved.had)
	}
	clear(s.txSaved)
	s.refreshTimeouts()
}

// restoreSetting sets key back to value (to its default when the session
// had none), as a rollback does, with what the setting's change entails.
func (s *Session) restoreSetting(key, value string, had bool) {
	if had {
		s.settings[key] = value
	} else {
		delete(s.settings, key)
	}
	def, ok := findSetting(key)
	if !ok {
		return
	}
	if !had {
		value = s.defaults[key]
		if value == "" {
			value = def.def
		}
	}
	if def.check != nil {
		_, _ = def.check(s, value)
	}
	if def.report {
		s.reportChanged(def.name, value)
	}
	if strings.HasSuffix(key, "_timeout") {
		s.refreshTimeouts()
	}
}

func (s *Session) reportChanged(name, value string) {
	for i, p := range s.changed {
		if p[0] == name {
			s.changed[i][1] = value
			return
		}
	}
	s.changed = append(s.changed, [2]string{name, value})
}

// Settings lists every setting as name, value and description, sorted by
// name as SHOW ALL prints them.
func (s *Session) Settings() [][3]string {
	out := make([][3]string, 0, len(settingDefs))
	for _, d := range settingDefs {
		_, v, _ := s.Setting(d.name)
		out = append(out, [3]string{d.name, v, d.desc})
	}
	slices.SortFunc(out, func(a, b [3]string) int { return strings.Compare(strings.ToLower(a[0]), strings.ToLower(b[0])) })
	return out
}

// checkDuration validates a time setting: a number of milliseconds or a
// number with a unit (us, ms, s, min, h, d), normalized as PostgreSQL shows
// it (500 -> 500ms, 60s -> 1min).
// checkMemory validates a memory setting counted in kB (work_mem) of at
// least min kB, and spells it as PostgreSQL shows it: in the largest unit
// that divides it (4096kB is 4MB).
func checkMemory(name string, min int64) func(*Session, string) (string, error) {
	return func(_ *Session, v string) (string, error) {
		t := strings.TrimSpace(v)
		i := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		n, err := strconv.ParseInt(t[:i], 10, 64)
		unit := map[string]int64{"": 1, "kB": 1, "MB": 1 << 10, "GB": 1 << 20, "TB": 1 << 30}
		per, ok := unit[strings.TrimSpace(t[i:])]
		if err != nil || !ok || n > math.MaxInt32 {
			e := pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", name, v)
			if err == nil {
				e = e.WithHint("Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".")
			}
			return "", e
		}
		kb := n * per
		if kb < min || kb > math.MaxInt32 {
			return "", pgerror.New(pgerror.InvalidParameterValue, "%d kB is outside the valid range for parameter \"%s\" (%d .. %d)", kb, name, min, math.MaxInt32)
		}
		for _, u := range []struct {
			name string
			kb   int64
		}{{"TB", 1 << 30}, {"GB", 1 << 20}, {"MB", 1 << 10}} {
			if kb%u.kb == 0 {
				return strconv.FormatInt(kb/u.kb, 10) + u.name, nil
			}
		}
		return strconv.FormatInt(kb, 10) + "kB", nil
	}
}

func checkDuration(name string) func(*Session, string) (string, error) {
	return func(_ *Session, v string) (string, error) {
		d, err := parseDuration(v)
		if err != nil {
			return "", pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter %q: %q", name, v).
				WithHint("Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".")
		}
		return formatDuration(d), nil
	}
}

func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.' || v[i] == '-') {
		i++
	}
	n, err := strconv.ParseFloat(v[:i], 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad duration")
	}
	unit := map[string]time.Duration{"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond,
		"s": time.Second, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[strings.TrimSpace(v[i:])]
	if !ok {
		return 0, fmt.Errorf("bad unit")
	}
	return time.Duration(n * float64(u)), nil
}

func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}} {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// timeoutKind names a duration setting the session keeps parsed.
type timeoutKind int

const (
	statementTimeout timeoutKind = iota
	lockTimeout
	idleSessionTimeout
	idleInTransactionTimeout
)

// timeoutSettings are the settings of the timeoutKinds, in their order.
var timeoutSettings = [...]string{"statement_timeout", "lock_timeout", "idle_session_timeout", "idle_in_transaction_session_timeout"}

// timeout returns a duration setting's value; 0 means none. The values are
// parsed once per change (refreshTimeouts), not on every message.
func (s *Session) timeout(k timeoutKind) time.Duration { return s.timeouts[k] }

// LockTimeout is the session's lock_timeout: how long a statement may wait
// for a table another transaction block holds; 0 means no limit.
func (s *Session) LockTimeout() time.Duration { return s.timeout(lockTimeout) }

func (s *Session) refreshTimeouts() {
	for k, name := range timeoutSettings {
		_, v, err := s.Setting(name)
		d, perr := parseDuration(v)
		if err != nil || perr != nil {
			d = 0
		}
		s.timeouts[k] = d
	}
}

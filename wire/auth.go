package wire

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/riffq/riffq/pgerror"
)

// AuthMethod is how a client proves who it is.
type AuthMethod int

const (
	// AuthTrust lets every client in without a password.
	AuthTrust AuthMethod = iota
	// AuthPassword asks for the password in clear text (use with TLS).
	AuthPassword
	// AuthMD5 asks for an MD5 hash of the password; users whose secret is
	// a SCRAM verifier are asked for SCRAM instead, as PostgreSQL does.
	AuthMD5
	// AuthSCRAM runs SCRAM-SHA-256.
	AuthSCRAM
)

// ParseAuthMethod reads a method name: trust, password, md5 or scram
// (scram-sha-256).
func ParseAuthMethod(s string) (AuthMethod, error) {
	switch strings.ToLower(s) {
	case "trust":
		return AuthTrust, nil
	case "password":
		return AuthPassword, nil
	case "md5":
		return AuthMD5, nil
	case "scram", "scram-sha-256":
		return AuthSCRAM, nil
	}
	return 0, fmt.Errorf("unknown auth method %q (want trust, password, md5 or scram)", s)
}

// LoginInfo describes a client that is logging in.
type LoginInfo struct {
	User, Database string
	RemoteAddr     net.Addr
	TLS            bool
}

// SecretFunc returns what authenticates a user, in any of the forms
// PostgreSQL stores in pg_authid.rolpassword: the password itself, "md5"
// followed by md5(password || user) in hex, or a SCRAM-SHA-256 verifier
// ("SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey"). An error refuses
// the login: a *pgerror.Error is sent as it is, anything else as 28P01.
type SecretFunc func(ctx context.Context, login LoginInfo) (string, error)

// scramIterations is the PBKDF2 cost of verifiers made from a plain
// password, PostgreSQL's default.
const scramIterations = 4096

// authenticate runs the configured method's exchange for the session's
// user. The password never reaches a log: errors say only that it failed.
func (c *conn) authenticate(ctx context.Context, login LoginInfo) error {
	cfg := c.srv.cfg
	if cfg.Auth == AuthTrust {
		return nil
	}
	failed := pgerror.New("28P01", "password authentication failed for user %q", login.User)
	secret, err := cfg.Secret(ctx, login)
	if err != nil {
		var pe *pgerror.Error
		if errors.As(err, &pe) {
			return pe
		}
		c.log.Info("authentication refused", "user", login.User, "reason", err.Error())
		return failed
	}
	method := cfg.Auth
	if method == AuthMD5 && strings.HasPrefix(secret, "SCRAM-SHA-256$") {
		method = AuthSCRAM
	}
	var ok bool
	switch method {
	case AuthPassword:
		ok, err = c.authCleartext(login.User, secret)
	case AuthMD5:
		ok, err = c.authMD5(login.User, secret)
	case AuthSCRAM:
		ok, err = c.authSCRAM(secret)
	}
	if err != nil {
		return err
	}
	if !ok {
		c.log.Info("authentication failed", "user", login.User, "method", method)
		return failed
	}
	return nil
}

// receivePassword reads the client's next authentication message.
func (c *conn) receiveAuth(authType uint32) (pgproto3.FrontendMessage, error) {
	if err := c.be.SetAuthType(authType); err != nil {
		return nil, err
	}
	if err := c.flush(); err != nil {
		return nil, err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return nil, err
	}
	return msg, nil
}

func (c *conn) authCleartext(user, secret string) (bool, error) {
	c.send(&pgproto3.AuthenticationCleartextPassword{})
	msg, err := c.receiveAuth(pgproto3.AuthTypeCleartextPassword)
	if err != nil {
		return false, err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return false, pgerror.New(pgerror.ProtocolViolation, "expected password response, got %T", msg)
	}
	return checkPassword(user, pm.Password, secret), nil
}

// checkPassword compares a clear-text password with a stored secret of any
// form.
func checkPassword(user, password, secret string) bool {
	switch {
	case strings.HasPrefix(secret, "SCRAM-SHA-256$"):
		v, err := parseVerifier(secret)
		if err != nil {
			return false
		}
		salted := saltedPassword(password, v.salt, v.iterations)
		stored := sha256.Sum256(hmacSHA256(salted, "Client Key"))
		return hmac.Equal(stored[:], v.storedKey)
	case isMD5Secret(secret):
		return subtle.ConstantTimeCompare([]byte(md5Secret(user, password)), []byte(secret)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(password), []byte(secret)) == 1
}

func isMD5Secret(s string) bool {
	if len(s) != 35 || !strings.HasPrefix(s, "md5") {
		return false
	}
	_, err := hex.DecodeString(s[3:])
	return err == nil
}

// md5Secret is PostgreSQL's stored MD5 form: "md5" + md5(password || user).
func md5Secret(user, password string) string {
	sum := md5.Sum([]byte(password + user))
	return "md5" + hex.EncodeToString(sum[:])
}

func (c *conn) authMD5(user, secret string) (bool, error) {
	var salt [4]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return false, err
	}
	c.send(&pgproto3.AuthenticationMD5Password{Salt: salt})
	msg, err := c.receiveAuth(pgproto3.AuthTypeMD5Password)
	if err != nil {
		return false, err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return false, pgerror.New(pgerror.ProtocolViolation, "expected password response, got %T", msg)
	}
	inner := secret
	if !isMD5Secret(secret) {
		inner = md5Secret(user, secret)
	}
	sum := md5.Sum(append([]byte(inner[3:]), salt[:]...))
	want := "md5" + hex.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(pm.Password), []byte(want)) == 1, nil
}

type verifier struct {
	iterations           int
	salt                 []byte
	storedKey, serverKey []byte
}

func parseVerifier(s string) (verifier, error) {
	var v verifier
	rest, ok := strings.CutPrefix(s, "SCRAM-SHA-256$")
	if !ok {
		return v, fmt.Errorf("not a SCRAM-SHA-256 verifier")
	}
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return v, fmt.Errorf("malformed verifier")
	}
	iter, salt, ok1 := strings.Cut(params, ":")
	stored, server, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return v, fmt.Errorf("malformed verifier")
	}
	var err error
	if v.iterations, err = strconv.Atoi(iter); err != nil || v.iterations < 1 {
		return v, fmt.Errorf("malformed verifier iterations")
	}
	b64 := base64.StdEncoding
	if v.salt, err = b64.DecodeString(salt); err != nil {
		return v, err
	}
	if v.storedKey, err = b64.DecodeString(stored); err != nil {
		return v, err
	}
	if v.serverKey, err = b64.DecodeString(server); err != nil {
		return v, err
	}
	return v, nil
}

// ScramVerifier makes the SCRAM-SHA-256 verifier of a password with a fresh
// random salt, in the form PostgreSQL stores.
func ScramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	v := verifierFor(password, salt, scramIterations)
	b64 := base64.StdEncoding
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", v.iterations, b64.EncodeToString(v.salt),
		b64.EncodeToString(v.storedKey), b64.EncodeToString(v.serverKey)), nil
}

func verifierFor(password string, salt []byte, iterations int) verifier {
	salted := saltedPassword(password, salt, iterations)
	stored := sha256.Sum256(hmacSHA256(salted, "Client Key"))
	return verifier{iterations: iterations, salt: salt, storedKey: stored[:], serverKey: hmacSHA256(salted, "Server Key")}
}

func saltedPassword(password string, salt []byte, iterations int) []byte {
	// SASLprep is not applied: it leaves ASCII passwords unchanged.
	key, _ := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	return key
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// authSCRAM runs SCRAM-SHA-256 (RFC 7677) without channel binding.
func (c *conn) authSCRAM(secret string) (bool, error) {
	var v verifier
	if strings.HasPrefix(secret, "SCRAM-SHA-256$") {
		var err error
		if v, err = parseVerifier(secret); err != nil {
			return false, fmt.Errorf("stored SCRAM verifier: %w", err)
		}
	} else {
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return false, err
		}
		v = verifierFor(secret, salt, scramIterations)
	}
	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	msg, err := c.receiveAuth(pgproto3.AuthTypeSASL)
	if err != nil {
		return false, err
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || init.AuthMechanism != "SCRAM-SHA-256" {
		return false, pgerror.New(pgerror.ProtocolViolation, "expected SCRAM-SHA-256 initial response")
	}
	clientFirst := string(init.Data)
	// gs2 header: "n,," (no channel binding) or "y,," (client could but
	// thinks the server cannot); "p=" would require channel binding.
	gs2, bare, ok := cutGS2(clientFirst)
	if !ok || strings.HasPrefix(gs2, "p") {
		return false, pgerror.New(pgerror.ProtocolViolation, "malformed SCRAM message or unsupported channel binding")
	}
	clientNonce := attr(bare, "r")
	if clientNonce == "" {
		return false, pgerror.New(pgerror.ProtocolViolation, "malformed SCRAM message: no nonce")
	}
	nonceBytes := make([]byte, 18)
	if _, err := rand.Read(nonceBytes); err != nil {
		return false, err
	}
	nonce := clientNonce + base64.StdEncoding.EncodeToString(nonceBytes)
	serverFirst := fmt.Sprintf("r=%s,s=%s,i=%d", nonce, base64.StdEncoding.EncodeToString(v.salt), v.iterations)
	c.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	msg, err = c.receiveAuth(pgproto3.AuthTypeSASLContinue)
	if err != nil {
		return false, err
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return false, pgerror.New(pgerror.ProtocolViolation, "expected SCRAM client-final message")
	}
	clientFinal := string(resp.Data)
	i := strings.LastIndex(clientFinal, ",p=")
	if i < 0 || attr(clientFinal, "r") != nonce {
		return false, nil
	}
	withoutProof := clientFinal[:i]
	proof, err := base64.StdEncoding.DecodeString(clientFinal[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return false, nil
	}
	authMessage := bare + "," + serverFirst + "," + withoutProof
	sig := hmacSHA256(v.storedKey, authMessage)
	clientKey := make([]byte, len(proof))
	for j := range proof {
		clientKey[j] = proof[j] ^ sig[j]
	}
	stored := sha256.Sum256(clientKey)
	if !hmac.Equal(stored[:], v.storedKey) {
		return false, nil
	}
	serverSig := hmacSHA256(v.serverKey, authMessage)
	c.send(&pgproto3.AuthenticationSASLFinal{Data: []byte("v=" + base64.StdEncoding.EncodeToString(serverSig))})
	return true, nil
}

// cutGS2 splits a client-first message into its gs2 header and bare part.
func cutGS2(msg string) (gs2, bare string, ok bool) {
	first := strings.IndexByte(msg, ',')
	if first < 0 {
		return "", "", false
	}
	second := strings.IndexByte(msg[first+1:], ',')
	if second < 0 {
		return "", "", false
	}
	return msg[:first+1+second+1], msg[first+1+second+1:], true
}

// attr returns the value of attribute key ("r", "s", ...) of a SCRAM message.
func attr(msg, key string) string {
	for _, part := range strings.Split(msg, ",") {
		if v, ok := strings.CutPrefix(part, key+"="); ok {
			return v
		}
	}
	return ""
}

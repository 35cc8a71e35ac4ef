package wire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq/pgerror"
)

func startWith(t *testing.T, cfg Config) string {
	t.Helper()
	cfg.Handler = fakeHandler{}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := NewServer(cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return l.Addr().String()
}

func secrets(m map[string]string) SecretFunc {
	return func(_ context.Context, l LoginInfo) (string, error) {
		s, ok := m[l.User]
		if !ok {
			return "", errors.New("no such user")
		}
		return s, nil
	}
}

func TestAuthentication(t *testing.T) {
	verifier, err := ScramVerifier("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]string{
		"plain":  "s3cret",
		"hashed": md5Secret("hashed", "s3cret"),
		"scram":  verifier,
	}
	for _, method := range []AuthMethod{AuthPassword, AuthMD5, AuthSCRAM} {
		addr := startWith(t, Config{Auth: method, Secret: secrets(users)})
		for user := range users {
			for _, pw := range []string{"s3cret", "wrong"} {
				url := "postgres://" + user + ":" + pw + "@" + addr + "/db?sslmode=disable"
				conn, err := pgconn.Connect(context.Background(), url)
				// As in PostgreSQL, SCRAM cannot use a stored MD5 hash.
				if pw == "s3cret" && !(method == AuthSCRAM && user == "hashed") {
					// MD5 cannot use a stored SCRAM verifier: it switches
					// to SCRAM, which the client follows.
					if err != nil {
						t.Errorf("method %d, user %s: %v", method, user, err)
						continue
					}
					if _, err := conn.Exec(context.Background(), "rows 1").ReadAll(); err != nil {
						t.Errorf("method %d, user %s: query: %v", method, user, err)
					}
					conn.Close(context.Background())
					continue
				}
				var pe *pgconn.PgError
				if !errors.As(err, &pe) || pe.Code != "28P01" || pe.Severity != "FATAL" {
					t.Errorf("method %d, user %s, wrong password: got %v, want FATAL 28P01", method, user, err)
				}
				if conn != nil {
					conn.Close(context.Background())
				}
			}
		}
		// An unknown user fails the same way as a wrong password.
		_, err := pgconn.Connect(context.Background(), "postgres://nobody:x@"+addr+"/db?sslmode=disable")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "28P01" {
			t.Errorf("method %d, unknown user: got %v", method, err)
		}
	}
}

func TestConnectHookAndLimits(t *testing.T) {
	addr := startWith(t, Config{
		Connect: func(_ context.Context, c ConnectInfo) error {
			if c.User == "blocked" {
				return errors.New("go away")
			}
			if c.User == "custom" {
				return pgerror.New("28000", "custom refusal")
			}
			return nil
		},
		MaxConns:       2,
		AcceptDatabase: func(name string) bool { return name != "nodb" },
	})
	for user, want := range map[string]string{"blocked": "28000", "custom": "28000"} {
		_, err := pgconn.Connect(context.Background(), "postgres://"+user+"@"+addr+"/db?sslmode=disable")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != want {
			t.Errorf("%s: got %v, want %s", user, err, want)
		}
	}
	_, err := pgconn.Connect(context.Background(), "postgres://u@"+addr+"/nodb?sslmode=disable")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "3D000" {
		t.Errorf("unknown database: got %v", err)
	}
	// Refused connections take a moment to go away, as backends do.
	connect := func() *pgconn.PgConn {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, err := pgconn.Connect(context.Background(), "postgres://u@"+addr+"/db?sslmode=disable")
			if err == nil {
				return c
			}
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	c1 := connect()
	defer c1.Close(context.Background())
	c2 := connect()
	defer c2.Close(context.Background())
	_, err = pgconn.Connect(context.Background(), "postgres://u@"+addr+"/db?sslmode=disable")
	if !errors.As(err, &pe) || pe.Code != "53300" {
		t.Errorf("third connection: got %v, want 53300", err)
	}
}

// writeCert makes a self-signed ECDSA certificate for localhost and
// 127.0.0.1 and writes it and its PKCS#8 key as PEM files.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestTLS(t *testing.T) {
	certFile, keyFile := writeCert(t)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	addr := startWith(t, Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, TLSRequired: true})
	_, port, _ := net.SplitHostPort(addr)
	for _, mode := range []string{"require", "verify-full&sslrootcert=" + certFile} {
		conn, err := pgconn.Connect(context.Background(), "postgres://u@localhost:"+port+"/db?sslmode="+mode)
		if err != nil {
			t.Fatalf("sslmode=%s: %v", mode, err)
		}
		if _, ok := conn.Conn().(*tls.Conn); !ok {
			t.Errorf("sslmode=%s: connection is not TLS", mode)
		}
		if _, err := conn.Exec(context.Background(), "rows 3").ReadAll(); err != nil {
			t.Errorf("sslmode=%s: %v", mode, err)
		}
		conn.Close(context.Background())
	}
	_, err = pgconn.Connect(context.Background(), "postgres://u@"+addr+"/db?sslmode=disable")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28000" {
		t.Errorf("plaintext with TLS required: got %v, want 28000", err)
	}
}

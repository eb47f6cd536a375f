package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Minimum key strengths: shorter HMAC secrets and smaller RSA keys are
// refused in the configuration and skipped in a JWKS.
const (
	minSecretBytes = 32
	minRSABits     = 2048
)

// vkey is one verification key. Its Go type decides which algorithms it
// verifies (see accepts): []byte for HMAC, *rsa.PublicKey, *ecdsa.PublicKey
// or ed25519.PublicKey. Key material of one kind is never handed to an
// algorithm of another, which is what rules out algorithm confusion.
type vkey struct {
	kid string // "" for configured secrets and PEM keys
	alg string // the JWK's "alg" when it names one: then only that one
	key any
}

// hmacAlgs and the others are the algorithms each kind of key verifies.
var (
	hmacAlgs  = []string{"HS256", "HS384", "HS512"}
	rsaAlgs   = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	ecAlgs    = []string{"ES256", "ES384", "ES512"}
	edDSAAlgs = []string{"EdDSA"}
)

// algs returns the algorithms k can verify.
func (k vkey) algs() []string {
	var all []string
	switch key := k.key.(type) {
	case []byte:
		all = hmacAlgs
	case *rsa.PublicKey:
		all = rsaAlgs
	case *ecdsa.PublicKey:
		switch key.Curve {
		case elliptic.P256():
			all = ecAlgs[:1]
		case elliptic.P384():
			all = ecAlgs[1:2]
		case elliptic.P521():
			all = ecAlgs[2:]
		}
	case ed25519.PublicKey:
		all = edDSAAlgs
	}
	if k.alg == "" {
		return all
	}
	for _, a := range all {
		if a == k.alg {
			return []string{a}
		}
	}
	return nil
}

func (k vkey) accepts(alg string) bool {
	for _, a := range k.algs() {
		if a == alg {
			return true
		}
	}
	return false
}

// secretKey checks a configured HMAC secret.
func secretKey(secret []byte) (vkey, error) {
	if len(secret) < minSecretBytes {
		return vkey{}, fmt.Errorf("HMAC secret of %d bytes is too short: use at least %d random bytes", len(secret), minSecretBytes)
	}
	return vkey{key: secret}, nil
}

// parsePublicKeyPEM reads one PEM public key: PKIX ("PUBLIC KEY"), PKCS #1
// ("RSA PUBLIC KEY") or the key of a certificate.
func parsePublicKeyPEM(data []byte) (vkey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return vkey{}, errors.New("no PEM block found (want -----BEGIN PUBLIC KEY-----)")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE") {
			return vkey{}, fmt.Errorf("PEM block %q is a private key: give the server only the public key", block.Type)
		}
		return vkey{}, fmt.Errorf("PEM block %q is not a public key", block.Type)
	}
	if err != nil {
		return vkey{}, fmt.Errorf("parse %s: %w", block.Type, err)
	}
	k := vkey{key: pub}
	if err := checkAsymmetric(k); err != nil {
		return vkey{}, err
	}
	return k, nil
}

// checkAsymmetric refuses key types and sizes Weft does not verify with.
func checkAsymmetric(k vkey) error {
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < minRSABits {
			return fmt.Errorf("RSA key of %d bits is too small (at least %d)", key.N.BitLen(), minRSABits)
		}
	case *ecdsa.PublicKey:
		if len(k.algs()) == 0 {
			return fmt.Errorf("ECDSA curve %s is not supported (P-256, P-384, P-521)", key.Curve.Params().Name)
		}
	case ed25519.PublicKey:
	default:
		return fmt.Errorf("unsupported public key type %T (RSA, ECDSA or Ed25519)", k.key)
	}
	return nil
}

// parseJWKS reads a JSON Web Key Set. Keys that cannot verify signatures
// (encryption keys, unknown types, weak keys, symmetric keys when
// allowSymmetric is false) are skipped and reported in skipped; the rest
// are returned. A document that is not a key set at all is an error.
func parseJWKS(data []byte, allowSymmetric bool) (keys []vkey, skipped []string, err error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	if set.Keys == nil {
		return nil, nil, errors.New(`not a JSON Web Key Set: no "keys" array`)
	}
	for i, raw := range set.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			skipped = append(skipped, fmt.Sprintf("key %d: %v", i, err))
			continue
		}
		name := fmt.Sprintf("key %d (kid %q)", i, jwk.KeyID)
		if jwk.Use != "" && jwk.Use != "sig" {
			skipped = append(skipped, name+": use is "+jwk.Use+", not sig")
			continue
		}
		k := vkey{kid: jwk.KeyID, alg: jwk.Algorithm}
		switch key := jwk.Key.(type) {
		case []byte:
			if !allowSymmetric {
				skipped = append(skipped, name+": symmetric keys are accepted only from a JWKS file, never from a URL")
				continue
			}
			if len(key) < minSecretBytes {
				skipped = append(skipped, fmt.Sprintf("%s: symmetric key of %d bytes is shorter than %d", name, len(key), minSecretBytes))
				continue
			}
			k.key = key
		case *rsa.PrivateKey:
			k.key = &key.PublicKey
		case *ecdsa.PrivateKey:
			k.key = &key.PublicKey
		case ed25519.PrivateKey:
			k.key = key.Public()
		default:
			k.key = key
		}
		if _, sym := k.key.([]byte); !sym {
			if err := checkAsymmetric(k); err != nil {
				skipped = append(skipped, name+": "+err.Error())
				continue
			}
		}
		if len(k.algs()) == 0 {
			skipped = append(skipped, fmt.Sprintf("%s: alg %q does not fit the key", name, k.alg))
			continue
		}
		keys = append(keys, k)
	}
	return keys, skipped, nil
}

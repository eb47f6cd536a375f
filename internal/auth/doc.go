// Package auth verifies the bearer tokens clients present to Weft and turns
// their claims into grants: which documents a client may read and which it
// may write.
//
// Tokens are JWTs (RFC 7519) signed with an HMAC secret (HS256/384/512) or
// with an RSA (RS*, PS*), ECDSA (ES*) or Ed25519 (EdDSA) key. Keys come from
// configured secrets, PEM public keys, a JWKS file (re-read when it changes)
// or a JWKS URL (refreshed periodically, and at once when a token names an
// unknown key id). A key only verifies the algorithms of its own kind, so an
// RSA public key can never be used as an HMAC secret, and "none" is never
// accepted. exp is required; exp, nbf and iat are checked with a small
// leeway, and iss and aud when configured.
//
// # Grants
//
// The grant claim (named "weft" by default) holds two lists of patterns:
//
//	{"sub": "alice", "exp": 1767225600, "jti": "t-81f2",
//	 "weft": {"read": ["public/*", "notes/*"], "write": ["notes/team-*"]}}
//
// A pattern is "collection/id": the first "/" separates the collection from
// the document id, and "*" in either part matches any run of characters
// (including none). A pattern without "/" names a whole collection ("notes"
// is "notes/*"), and "*" alone grants every document. Write implies read.
// A token without the claim authenticates its holder but grants nothing.
//
// # Revocation
//
// A revocation list (a JSON file re-read when it changes, or a URL polled
// every few seconds) names token ids and subjects whose tokens are refused:
//
//	{"jti": ["t-81f2"], "sub": ["mallory"]}
//
// Authenticator refuses new requests carrying a revoked token; its OnChange
// hook lets the server close live sessions that a new list revokes.
package auth

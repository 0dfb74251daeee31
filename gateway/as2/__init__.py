"""AS2 (RFC 4130): signed, encrypted, compressed EDI over HTTP with signed receipts (MDNs).

The S/MIME and CMS layer is built on ``cryptography`` (signing, encryption, decryption) and
``asn1crypto`` (reading CMS structures to verify signatures): pyas2lib, the usual Python AS2
library, does not import on OpenSSL 3.0 builds with a two-digit patch number (its dependency
oscrypto 1.3.0 cannot parse the version). No cryptographic primitive is written here.
"""

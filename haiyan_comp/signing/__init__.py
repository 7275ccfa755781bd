"""The county's document signature: its key, PAdES signing of every PDF, and the checks
`haiyan statement verify` makes of a signed file (signature, what it covers, the Subject)."""

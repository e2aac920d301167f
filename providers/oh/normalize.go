package oh

import "github.com/va/vams/providers/oh/internal/wire"

// NormalizeText rewrites s into what OH's Windows-1252 data store keeps
// (the swagger warns that other characters may be lost on POST): characters
// in Windows-1252, curly quotes, en/em dashes and the ellipsis included,
// pass through; look-alikes outside it map to their cp1252 forms (e.g.
// U+2010 hyphen → '-', U+2032 prime → apostrophe, U+2003 em space → ' ',
// full-width letters → ASCII, e + combining acute → é, → → "->"); invisible
// marks (zero-width space, BOM) and control characters other than tab and
// newline are dropped; CRLF and CR become "\n"; anything else (emoji, other
// scripts, invalid UTF-8) becomes '?'. VAMS stores what it sends so that
// its copy matches what OH will return.
func NormalizeText(s string) string { return wire.Normalize(s) }

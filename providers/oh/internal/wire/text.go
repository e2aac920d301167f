package wire

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cp1252High maps the Windows-1252 bytes 0x80–0x9F to Unicode; 0 marks the
// five undefined bytes. Bytes 0xA0–0xFF equal U+00A0–U+00FF.
var cp1252High = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

var cp1252Rev = func() map[rune]byte {
	m := make(map[rune]byte, 27)
	for i, r := range cp1252High {
		if r != 0 {
			m[r] = byte(0x80 + i)
		}
	}
	return m
}()

// CP1252Byte returns r's Windows-1252 byte.
func CP1252Byte(r rune) (byte, bool) {
	switch {
	case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
		return byte(r), true
	}
	b, ok := cp1252Rev[r]
	return b, ok
}

// CP1252Rune decodes one Windows-1252 byte; undefined bytes give '?'.
func CP1252Rune(b byte) rune {
	if b >= 0x80 && b <= 0x9F {
		if r := cp1252High[b-0x80]; r != 0 {
			return r
		}
		return '?'
	}
	return rune(b)
}

// substitutes are close cp1252 stand-ins for common characters outside it;
// the empty string drops the character (invisible formatting marks).
var substitutes = map[rune]string{
	0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2015: "\u2014", 0x2212: "-", 0x2043: "-",
	0x2032: "'", 0x2033: "\"", 0x201B: "\u2018", 0x201F: "\u201C", 0x2035: "'",
	0x2039: "\u2039", 0x2024: ".", 0x2025: "..", 0x2027: "\u00B7",
	0x2002: " ", 0x2003: " ", 0x2004: " ", 0x2005: " ", 0x2006: " ", 0x2007: " ",
	0x2008: " ", 0x2009: " ", 0x200A: " ", 0x202F: "\u00A0", 0x205F: " ", 0x3000: " ",
	0x200B: "", 0x200C: "", 0x200D: "", 0x2060: "", 0xFEFF: "", 0x00AD: "\u00AD",
	0x200E: "", 0x200F: "", 0xFE0F: "", 0xFE0E: "",
	0x2028: "\n", 0x2029: "\n",
	0x2190: "<-", 0x2192: "->", 0x2194: "<->", 0x21D2: "=>", 0x2264: "<=", 0x2265: ">=",
	0x2260: "!=", 0x2248: "~", 0x2215: "/", 0x2044: "/", 0x2217: "*",
	0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl",
	0x2153: "1/3", 0x2154: "2/3", 0x215B: "1/8", 0x2116: "No.", 0x2122: "\u2122",
	0x2023: "\u2022", 0x25CF: "\u2022", 0x25E6: "\u2022", 0x2219: "\u00B7",
	0x2713: "?", 0x0131: "i",
}

// composed folds a base letter followed by a combining mark into its
// precomposed Latin-1 form (a tiny stand-in for NFC, which the standard
// library lacks). Keys are base letter then mark.
var composed = func() map[[2]rune]rune {
	m := map[[2]rune]rune{}
	add := func(mark rune, pairs string) {
		rs := []rune(pairs)
		for i := 0; i+1 < len(rs); i += 2 {
			m[[2]rune{rs[i], mark}] = rs[i+1]
		}
	}
	add(0x0300, "AÀEÈIÌOÒUÙaàeèiìoòuù")
	add(0x0301, "AÁEÉIÍOÓUÚYÝaáeéiíoóuúyý")
	add(0x0302, "AÂEÊIÎOÔUÛaâeêiîoôuû")
	add(0x0303, "AÃNÑOÕaãnñoõ")
	add(0x0308, "AÄEËIÏOÖUÜaäeëiïoöuüyÿYŸ")
	add(0x030A, "AÅaå")
	add(0x0327, "CÇcç")
	add(0x030C, "SŠsšZŽzž")
	return m
}()

// Normalize rewrites s into characters a Windows-1252 store keeps: cp1252
// characters stay, common look-alikes outside it (typographic spaces,
// hyphens, primes, arrows, ligatures, full-width ASCII, decomposed accents)
// become their cp1252 forms, invisible marks and C0 controls other than tab
// and newline are dropped, line endings become "\n", and anything else
// (emoji, other scripts, invalid UTF-8) becomes '?'.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if i+1 < len(rs) {
			if c, ok := composed[[2]rune{r, rs[i+1]}]; ok {
				b.WriteRune(c)
				i++
				continue
			}
		}
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			continue
		case r == '\t' || r == '\n':
			b.WriteRune(r)
			continue
		case r < 0x20 || r == 0x7F:
			continue
		case r >= 0x0300 && r <= 0x036F: // stray combining mark
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			b.WriteRune(r - 0xFEE0)
			continue
		}
		if sub, ok := substitutes[r]; ok {
			b.WriteString(sub)
			continue
		}
		if _, ok := CP1252Byte(r); ok && r != utf8.RuneError {
			b.WriteRune(r)
			continue
		}
		b.WriteByte('?')
	}
	return b.String()
}

// EncodeRTF renders plain text as a minimal RTF document in the ANSI code
// page 1252, the store's own character set, so nothing is lost in transit.
// Text should be Normalize'd first; anything outside cp1252 becomes '?'.
func EncodeRTF(text string) string {
	var b strings.Builder
	b.WriteString(`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}\f0 `)
	for _, r := range text {
		switch r {
		case '\\', '{', '}':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\par `)
		case '\r':
		case '\t':
			b.WriteString(`\tab `)
		default:
			c, ok := CP1252Byte(r)
			if !ok {
				c = '?'
			}
			if c < 0x80 {
				b.WriteByte(c)
			} else {
				b.WriteString(`\'`)
				b.WriteString(strconv.FormatUint(uint64(c)|0x100, 16)[1:])
			}
		}
	}
	b.WriteByte('}')
	return b.String()
}

// rtfSkipDest lists destinations whose contents are not body text.
var rtfSkipDest = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true,
	"pict": true, "header": true, "footer": true, "listtable": true,
	"listoverridetable": true, "rsidtbl": true, "generator": true, "xmlnstbl": true,
	"themedata": true, "colorschememapping": true, "latentstyles": true, "datastore": true,
}

// DecodeRTF extracts the plain text of an RTF document: paragraphs, line
// breaks, tabs, \'hh (cp1252) and \uN escapes; formatting and non-text
// destinations are dropped. It never fails; malformed input yields what
// could be read.
func DecodeRTF(doc string) string {
	type state struct {
		skip bool
		uc   int
	}
	var (
		b       strings.Builder
		stack   []state
		cur     = state{uc: 1}
		pending int // ANSI fallback characters still to skip after \uN
		n       = len(doc)
	)
	emit := func(r rune) {
		if pending > 0 {
			pending--
			return
		}
		if !cur.skip {
			b.WriteRune(r)
		}
	}
	for i := 0; i < n; {
		c := doc[i]
		switch c {
		case '{':
			if len(stack) < 1000 {
				stack = append(stack, cur)
			}
			i++
			if strings.HasPrefix(doc[i:], `\*`) {
				cur.skip = true
			}
		case '}':
			if len(stack) > 0 {
				cur = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
			i++
		case '\r', '\n':
			i++
		case '\\':
			i++
			if i >= n {
				break
			}
			c = doc[i]
			switch {
			case c == '\\' || c == '{' || c == '}':
				emit(rune(c))
				i++
			case c == '\'':
				if i+3 <= n {
					if v, err := strconv.ParseUint(doc[i+1:i+3], 16, 8); err == nil {
						emit(CP1252Rune(byte(v)))
						i += 3
						break
					}
				}
				i++
			case c == '~':
				emit(0xA0)
				i++
			case c == '_':
				emit('-')
				i++
			case c == '*' || c == '-':
				i++
			case c == '\n' || c == '\r':
				emit('\n')
				i++
			case isLetter(c):
				j := i
				for j < n && isLetter(doc[j]) && j-i < 32 {
					j++
				}
				word := doc[i:j]
				k := j
				if k < n && (doc[k] == '-' || isDigit(doc[k])) {
					k++
					for k < n && isDigit(doc[k]) && k-j < 12 {
						k++
					}
				}
				param, hasParam := 0, k > j
				if hasParam {
					param, _ = strconv.Atoi(doc[j:k])
				}
				if k < n && doc[k] == ' ' {
					k++ // the delimiting space belongs to the control word
				}
				i = k
				switch word {
				case "par", "line", "sect", "page":
					emit('\n')
				case "tab":
					emit('\t')
				case "emdash":
					emit(0x2014)
				case "endash":
					emit(0x2013)
				case "lquote":
					emit(0x2018)
				case "rquote":
					emit(0x2019)
				case "ldblquote":
					emit(0x201C)
				case "rdblquote":
					emit(0x201D)
				case "bullet":
					emit(0x2022)
				case "uc":
					if hasParam && param >= 0 && param < 10 {
						cur.uc = param
					}
				case "u":
					if hasParam {
						if param < 0 {
							param += 65536
						}
						r := rune(param)
						if !utf8.ValidRune(r) {
							r = '?'
						}
						emit(r)
						pending = cur.uc
					}
				default:
					if rtfSkipDest[word] {
						cur.skip = true
					}
				}
			default:
				i++
			}
		default:
			emit(rune(c))
			i++
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// EncodeXHTML renders plain text as a small XHTML document, one paragraph
// with <br/> per line break.
func EncodeXHTML(text string) string {
	var b strings.Builder
	b.WriteString(`<html xmlns="http://www.w3.org/1999/xhtml"><body><p>`)
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("<br/>")
		}
		_ = xml.EscapeText(&b, []byte(line))
	}
	b.WriteString(`</p></body></html>`)
	return b.String()
}

// DecodeXHTML extracts the text of an XHTML fragment or document: <br>
// and block ends become newlines, head/script/style are dropped, HTML
// entities are decoded. It never fails; it stops at the first syntax error.
func DecodeXHTML(doc string) string {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var (
		b    strings.Builder
		skip int
	)
	newline := func() {
		if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for steps := 0; steps < 1<<20; steps++ {
		tok, err := d.Token()
		if err != nil {
			if err != io.EOF && b.Len() == 0 {
				return strings.TrimSpace(stripTags(doc))
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch strings.ToLower(t.Name.Local) {
			case "head", "script", "style", "title":
				skip++
			case "br":
				if skip == 0 {
					b.WriteByte('\n')
				}
			}
		case xml.EndElement:
			switch strings.ToLower(t.Name.Local) {
			case "head", "script", "style", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6":
				if skip == 0 {
					newline()
				}
			}
		case xml.CharData:
			if skip == 0 {
				b.Write(t)
			}
		}
	}
	return strings.Trim(b.String(), "\n")
}

// stripTags is the last resort for markup encoding/xml cannot tokenize.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DecodeBody picks the readable body of a by-id Message: the newest text
// section if any (they are ordered newest first), else the RTF text field.
func DecodeBody(m Message) string {
	if len(m.Texts) > 0 {
		t := m.Texts[0]
		switch strings.ToUpper(t.FormatType) {
		case FormatXHTML:
			return DecodeXHTML(t.Text)
		case FormatRTF:
			return DecodeRTF(t.Text)
		}
		return decodeGuess(t.Text)
	}
	return decodeGuess(m.Text)
}

func decodeGuess(s string) string {
	ts := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(ts, `{\rtf`):
		return DecodeRTF(ts)
	case strings.HasPrefix(ts, "<"):
		return DecodeXHTML(ts)
	}
	return s
}

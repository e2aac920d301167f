package oh

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/va/vams/providers/oh/internal/wire"
)

func TestNormalizeText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ascii", "Hello, Dr. Smith!", "Hello, Dr. Smith!"},
		{"cp1252 quotes dashes ellipsis kept", "“Quote” ‘single’ – — … • € ™", "“Quote” ‘single’ – — … • € ™"},
		{"latin1 kept", "café naïve Ñ ½ °", "café naïve Ñ ½ °"},
		{"hyphens and minus", "a\u2010b\u2011c\u2212d\u2012e", "a-b-c-d-e"},
		{"horizontal bar", "a\u2015b", "a—b"},
		{"primes", "5\u2032 10\u2033", "5' 10\""},
		{"typographic spaces", "a\u2003b\u2009c\u3000d", "a b c d"},
		{"narrow nbsp", "10\u202Fmg", "10\u00A0mg"},
		{"zero width and BOM dropped", "\uFEFFa\u200Bb\u200Dc", "abc"},
		{"decomposed accents composed", "cafe\u0301 nin\u0303o", "café niño"},
		{"stray combining mark dropped", "x\u0301", "x"},
		{"fullwidth", "ＡＢＣ１２３！", "ABC123!"},
		{"ligatures", "\uFB01ne \uFB02ow", "fine flow"},
		{"arrows and relations", "a → b ≤ c ≥ d ≠ e", "a -> b <= c >= d != e"},
		{"emoji", "ok 👍 done", "ok ? done"},
		{"other scripts", "Привет 你好", "?????? ??"},
		{"C1 controls", "a\u0085b", "a?b"},
		{"C0 controls dropped", "a\x00b\x07c\td", "abc\td"},
		{"line endings", "a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"line separator", "a\u2028b", "a\nb"},
		{"invalid utf8", "a\xffb", "a?b"},
		{"variation selector", "\u2764\uFE0F", "?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NormalizeText(tc.in)
			if got != tc.want {
				t.Errorf("NormalizeText(%q) = %q, want %q", tc.in, got, tc.want)
			}
			for _, r := range got {
				if _, ok := wire.CP1252Byte(r); !ok {
					t.Errorf("output rune %U not in cp1252", r)
				}
			}
			if NormalizeText(got) != got {
				t.Errorf("not idempotent on %q", got)
			}
		})
	}
}

func TestRTFRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "plain", "braces {} and \\backslash", "two\nlines\n\nand a gap",
		"tab\there", "“smart” – café … €", "trailing space ", "\\par literal",
	} {
		n := NormalizeText(s)
		enc := wire.EncodeRTF(n)
		if strings.ContainsFunc(enc, func(r rune) bool { return r > 0x7F }) {
			t.Errorf("EncodeRTF(%q) is not 7-bit: %q", n, enc)
		}
		if got := wire.DecodeRTF(enc); got != strings.TrimRight(n, "\n") {
			t.Errorf("RTF round trip %q → %q → %q", n, enc, got)
		}
	}
}

func TestDecodeRTFForeign(t *testing.T) {
	doc := `{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red0\green0\blue0;}` +
		`{\*\generator Msftedit;}\viewkind4\uc1\pard\f0\fs20 Take \b one\b0  tablet\par ` +
		`Caf\'e9 \u8220?quoted\u8221? \endash\~done}`
	want := "Take one tablet\nCafé “quoted” –\u00A0done"
	if got := wire.DecodeRTF(doc); got != want {
		t.Errorf("DecodeRTF = %q, want %q", got, want)
	}
}

func TestDecodeXHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{wire.EncodeXHTML("a < b & c\nnext"), "a < b & c\nnext"},
		{`<html><head><title>x</title><style>p{}</style></head><body><p>One</p><p>Two&nbsp;&amp; three</p></body></html>`, "One\nTwo\u00A0& three"},
		{`<div>unclosed <br> tag`, "unclosed \n tag"},
	}
	for _, tc := range tests {
		if got := wire.DecodeXHTML(tc.in); got != tc.want {
			t.Errorf("DecodeXHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzTextCodecs(f *testing.F) {
	f.Add("hello “world” – é\n{x}")
	f.Add(`{\rtf1\u-3913?\'zz\uc9 {\*`)
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeText(s)
		if !utf8.ValidString(n) {
			t.Fatalf("invalid UTF-8 from NormalizeText")
		}
		if got := wire.DecodeRTF(wire.EncodeRTF(n)); got != strings.TrimRight(n, "\n") {
			t.Fatalf("RTF round trip %q → %q", n, got)
		}
		_ = wire.DecodeRTF(s)
		_ = wire.DecodeXHTML(s)
	})
}

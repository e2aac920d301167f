package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"path"
	"strings"
)

// demoFile returns the content type and bytes of a script attachment, chosen
// by the file name's extension: a tiny valid PNG, a one-page PDF or plain text.
func demoFile(name string) (contentType string, data []byte) {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png", tinyPNG()
	case ".pdf":
		return "application/pdf", onePagePDF(strings.TrimSuffix(name, path.Ext(name)))
	default:
		return "text/plain", []byte(textFiles[name])
	}
}

var textFiles = map[string]string{
	"blood-pressure-log.txt": "Home blood pressure log (demo data)\n" +
		"Day 1  AM 128/82  PM 124/80\nDay 2  AM 126/81  PM 122/78\nDay 3  AM 130/84  PM 125/79\n" +
		"Day 4  AM 124/80  PM 121/77\nDay 5  AM 127/82  PM 123/79\n",
	"mileage-log.txt": "Mileage log (demo data)\nHome to clinic: 58 miles\nClinic to home: 58 miles\nTotal: 116 miles\n",
}

// tinyPNG encodes a 2x2 VA-blue image.
func tinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for x := 0; x < 2; x++ {
		for y := 0; y < 2; y++ {
			img.Set(x, y, color.RGBA{R: 0x00, G: 0x3F, B: 0x72, A: 0xFF})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return b.Bytes()
}

// onePagePDF builds a minimal, well-formed PDF (with a correct xref table)
// showing title.
func onePagePDF(title string) []byte {
	title = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(title)
	stream := fmt.Sprintf("BT /F1 14 Tf 72 720 Td (%s) Tj ET", title)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

package render

import (
	"image"
	"image/png"
	"io"
)

// ReadImage reads rectangle rect of r's last output (see
// Renderer.ReadPixels) into a new opaque image with the same bounds.
func ReadImage(r Renderer, rect image.Rectangle) (*image.RGBA, error) {
	img := image.NewRGBA(rect)
	if rect.Empty() {
		return img, nil
	}
	if err := r.ReadPixels(rect, img.Pix, img.Stride); err != nil {
		return nil, err
	}
	// ARGB8888 little-endian is B,G,R,A in memory; image.RGBA is R,G,B,A.
	for i := 0; i+3 < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+2] = img.Pix[i+2], img.Pix[i]
	}
	return img, nil
}

// EncodePNG writes rectangle rect of r's last output to w as a PNG, for
// screenshots. rect is normally image.Rect(0, 0, width, height) of the
// last Render.
func EncodePNG(w io.Writer, r Renderer, rect image.Rectangle) error {
	img, err := ReadImage(r, rect)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

package testenv

import (
	"errors"
	"os/exec"
	"testing"
)

// PDFToText returns the path of poppler's pdftotext (Debian package
// poppler-utils), or applies Need when it is missing.
func PDFToText(t testing.TB) string {
	t.Helper()
	return poppler(t, "pdftotext")
}

// PDFToPPM returns the path of poppler's pdftoppm (Debian package
// poppler-utils), or applies Need when it is missing.
func PDFToPPM(t testing.TB) string {
	t.Helper()
	return poppler(t, "pdftoppm")
}

func poppler(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		err = errors.Join(err, errors.New("apt-get install poppler-utils"))
	}
	Need(t, tool, err)
	return p
}

// PDFFonts returns the path of poppler's pdffonts (Debian package
// poppler-utils), or applies Need when it is missing.
func PDFFonts(t testing.TB) string {
	t.Helper()
	return poppler(t, "pdffonts")
}

"""Drawing: the only package that imports reportlab.pdfgen or a PDF writer."""

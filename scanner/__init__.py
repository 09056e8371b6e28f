"""certscan: read, check and verify Chinese physician practising certificates (医师执业证书).

A photo travels `load` → `deskew` → `ocr` → `extract` (with `reread`, the second looks at values
read unsurely) → `normalize` → `checks`, driven by `pipeline`; `verify` looks the reading up in a
`registry` and decides a verdict; `report` renders readings and verdicts for people and programs.
`batch` and `review` are applications on top, `synth` renders synthetic certificates, and `cli` is
the thin command line.

Layers, bottom to top. A module imports only from its own layer or the ones below, and no two
modules import each other, even through others or inside a function (tests/test_architecture.py):

  1. text, errors, fields, config, vocab, lookalike, labels, data: shared leaves
  2. load, ocr, deskew, quality: the picture, its text lines and their geometry
  3. checks, normalize: values checked and put in their official form
  4. extract, reread: fields read from text lines, and read again where unsure
  5. pipeline, merge: one file from load to a checked reading; several pictures of one certificate as one
  6. registry, verify: the lookup and the verdict, as data
  7. report: readings and verdicts in words (Chinese or English) and as JSON
  8. records, batch, review, synth: applications, and the results files they read
  9. cli: parse options, call one library function, render
"""

__version__ = "0.1.0"

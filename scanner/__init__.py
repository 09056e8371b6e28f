"""certscan: read, check and verify Chinese physician practising certificates (医师执业证书).

The package follows the pipeline: `load` → `ocr` → `extract` → `checks` → `report`, driven by
`pipeline`; `cli` is the thin command-line layer and `synth` renders synthetic certificates.
"""

__version__ = "0.1.0"

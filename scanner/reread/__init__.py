"""The second looks: what the first reading of a page lost or doubted, read again.

- `page`: looks at the page's OCR lines, in the order of `page.PAGE_LOOKS` (under the red seal, a
  faint page read with its contrast stretched, values detection missed beside their labels).
- `values`: looks at doubtful values from their own patch of the flat page, in the order of
  `values.VALUE_LOOKS` (small digits, the name alone, closed lists, digit rules, the code's digits).
- `crops`: where on the flat page a value is cut out to be read again.
- `ctc`: a crop's per-step probabilities aligned with the words or digits a value can be (the words
  themselves, the closed lists' printed forms, are `scanner.normalize.words`).

The second looks build on extraction (`page` and `values` use `scanner.extract`); extraction never
uses them.
"""

"""The one way dates read on every page, report and e-mail: "15 Mar 2027",
with a time "15 Mar 2027, 14:05" (settings.FORMAT_MODULE_PATH points here).

Templates write `{{ day|date }}` and `{{ moment|date:"DATETIME_FORMAT" }}`,
Python `django.utils.formats.date_format(day)`, so a new page reads the same
without choosing. Machine-read values (CSV, form inputs, attributes) stay ISO.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
# Anything not set here (what a typed date accepts) is Django's English.

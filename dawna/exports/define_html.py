"""A readable HTML rendering of a Define-XML document (``define.html`` beside ``define.xml``),
from the same neutral metadata (``define_model.py``): the data sets, then per data set its
variables (label, type, length, significant digits, format, codelist, origin, method), then the
codelists (terms, decodes, NCI codes) and the methods. CDISC's define2-1.xsl stylesheet is not
bundled; this Jinja2 template shows the same content a reviewer reads there (Define-XML 2.1
§1.3: the stylesheet is a convenience, the XML is the metadata; ``docs/define-xml.md``).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, select_autoescape

from dawna.exports.define_model import DefineDocument
from dawna.exports.define_xml import method_oid

__all__ = ["DEFINE_HTML", "define_html", "write_define_html"]

DEFINE_HTML = "define.html"

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Define-XML 2.1: {{ doc.study_name }}</title>
<style>
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#e8eef4}caption{text-align:left;font-weight:bold;padding:.3em 0}
</style></head><body>
<h1>{{ doc.study_name }}: {{ doc.description }}</h1>
<p>Define-XML 2.1.0; standards:
{% for s in doc.standards %}{{ s.name }} {{ s.version }}{% if not loop.last %}, {% endif %}
{% endfor %}{% if doc.data_cut %}; data cut {{ doc.data_cut.isoformat() }}{% endif %}.</p>
<h2 id="datasets">Datasets</h2>
<table id="table-datasets"><thead><tr><th>Dataset</th><th>Description</th><th>Class</th>
<th>Structure</th><th>Purpose</th><th>Keys</th><th>Location</th></tr></thead><tbody>
{% for ds in doc.datasets %}<tr><td><a href="#{{ ds.name }}">{{ ds.name }}</a></td>
<td>{{ ds.label }}</td><td>{{ ds.class_name }}{% if ds.subclass %} ({{ ds.subclass }})
{% endif %}</td><td>{{ ds.structure }}</td><td>{{ ds.purpose }}</td>
<td>{{ ds.keys | join(", ") }}</td><td><a href="{{ ds.href }}">{{ ds.href }}</a></td></tr>
{% endfor %}</tbody></table>
{% for ds in doc.datasets %}
<h2 id="{{ ds.name }}">{{ ds.name }} ({{ ds.label }})</h2>
<table class="variables" data-dataset="{{ ds.name }}"><thead><tr><th>Variable</th>
<th>Label</th><th>Type</th><th>Length</th><th>Significant digits</th><th>Format</th>
<th>Controlled terms</th><th>Origin</th><th>Derivation / predecessor</th></tr></thead><tbody>
{% for v in ds.variables %}<tr data-variable="{{ v.name }}"><td>{{ v.name }}</td>
<td>{{ v.label }}</td><td>{{ v.data_type }}</td><td>{{ v.length or "" }}</td>
<td>{{ v.significant_digits if v.significant_digits is not none else "" }}</td>
<td>{{ v.display_format or "" }}</td>
<td>{% if v.codelist %}<a href="#{{ v.codelist }}">{{ v.codelist }}</a>{% endif %}</td>
<td>{{ v.origin }}{% if v.source %} ({{ v.source }}){% endif %}</td>
<td>{% if v.origin == "Derived" %}<a href="#{{ method(ds.name, v.name) }}">
{{ method(ds.name, v.name) }}</a>{% else %}{{ v.origin_text }}{% endif %}</td></tr>
{% endfor %}</tbody></table>
{% endfor %}
<h2 id="codelists">Codelists</h2>
{% for c in doc.codelists %}
<table id="{{ c.oid }}" class="codelist"><caption>{{ c.oid }}: {{ c.name }}
{% if c.nci_code %} (NCI {{ c.nci_code }}){% elif not c.cdisc %} (sponsor-defined){% endif %}
</caption><thead><tr><th>Term</th><th>Decode</th><th>NCI code</th></tr></thead><tbody>
{% for t in c.terms %}<tr><td>{{ t.value }}</td><td>{{ t.decode or "" }}</td>
<td>{{ t.nci_code or "" }}</td></tr>{% endfor %}</tbody></table>
{% endfor %}
<h2 id="methods">Methods</h2>
<table id="table-methods"><thead><tr><th>Method</th><th>Variable</th><th>Description</th>
</tr></thead><tbody>
{% for ds in doc.datasets %}{% for v in ds.variables if v.origin == "Derived" %}
<tr id="{{ method(ds.name, v.name) }}"><td>{{ method(ds.name, v.name) }}</td>
<td>{{ ds.name }}.{{ v.name }}</td><td>{{ v.origin_text }}
{% if v.comment %}<br><small>Source: {{ v.comment }}</small>{% endif %}</td></tr>
{% endfor %}{% endfor %}</tbody></table>
</body></html>
"""


def define_html(doc: DefineDocument) -> str:
    """The HTML rendering of ``doc`` (English, as the metadata it shows)."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_TEMPLATE).render(doc=doc, method=method_oid)


def write_define_html(doc: DefineDocument, directory: Path) -> Path:
    path = directory / DEFINE_HTML
    path.write_text(define_html(doc), encoding="utf-8")
    return path

"""Render the documentation site without Quarto: nbdev's processed notebooks (`nbdev_proc_nbs`: API docs from
`show_doc`, hidden cells removed) converted to HTML with nbconvert, with a navigation bar on every page.

    python tools/build_docs.py [--no-execute] [--out _site]
    python -m http.server --directory _site 8000      # then open http://127.0.0.1:8000

By default the notebooks are first executed in a scratch copy (cells flagged slow, cuda or notest are shown but not
run, as under nbdev_test), so the pages carry their figures and printed results; `--no-execute` renders the stored
notebooks as they are (code and API docs, no outputs) in seconds. With Quarto installed, `nbdev_docs` renders the
same notebooks through the top-level `_quarto.yml` instead (nbs/_quarto.yml links to it, where nbdev looks).

The site is the same as Quarto's: one page per notebook, named by its `output-file` (`13_metrics.ipynb` becomes
`metrics.html`, the tutorials stay in `tutorials/`), in the order of `nbs/sidebar.yml`, which is regenerated from the
notebooks present, as `nbdev_docs` does. It works offline: it loads nothing from outside (no MathJax, require.js or
widget manager from a CDN; TeX math is converted to MathML here), links to nbdev's doc host become links between
the pages, and `[source]` links lead to the modules' highlighted source, copied into `src/`.
"""
import argparse
import html
import json
import posixpath
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import jinja2
import nbformat
import yaml
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ExecutePreprocessor
from nbdev.config import get_config
from nbdev.quarto import nbdev_sidebar
from nbdev.serve import proc_nbs
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_FLAGS = ('slow', 'cuda', 'notest')
WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'
warnings.filterwarnings('ignore', message='Cell is missing an id field')   # nbdev writes processed cells without ids
NAV_CSS = ('.eg-nav{position:fixed;top:0;left:0;bottom:0;width:230px;overflow:auto;padding:1em;background:#f6f6f6;'
           'border-right:1px solid #ddd;font:14px system-ui,sans-serif;z-index:10}'
           '.eg-nav a{display:block;padding:3px 0;color:#1f4e8c;text-decoration:none}'
           '.eg-nav a.current{font-weight:bold}.eg-nav h4{margin:1em 0 .3em}body{margin-left:250px!important}')
# nbconvert's lab template without the scripts it fetches from CDNs (require.js, MathJax, mermaid, widget manager)
OFFLINE_TEMPLATE = '''{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
'''


def execute_copy(nbs: Path, scratch: Path, timeout: int) -> Path:
    "Copy `nbs` to `scratch` and execute every notebook there; returns the copy's path."
    dest = scratch / 'nbs'
    shutil.copytree(nbs, dest)
    for path in sorted(dest.rglob('*.ipynb')):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == 'code' and any(re.search(rf'^#\|\s*{f}\b', cell.source, re.M) for f in SKIPPED_FLAGS):
                cell.metadata.setdefault('tags', []).append('skip-execution')
        print(f'executing {path.relative_to(dest)}', flush=True)
        cwd = nbs / path.parent.relative_to(dest)      # the notebook's own folder: relative paths (../tests/data) hold
        ExecutePreprocessor(timeout=timeout, kernel_name='python3', store_widget_state=False).preprocess(
            nb, {'metadata': {'path': str(cwd)}})
        nbformat.write(nb, path)
    return dest


def front_matter(nb) -> dict:
    "The Quarto front matter (title, description, output-file) nbdev put in the first raw cell."
    cell = nb.cells[0] if nb.cells else None
    if cell is None or cell.cell_type != 'raw' or not cell.source.startswith('---'): return {}
    return yaml.safe_load(cell.source.strip().strip('-')) or {}


def math_to_mathml(md: str) -> str:
    "Markdown with its TeX math (`$...$`, `$$...$$`) turned into MathML, which browsers render without a script."
    def convert(m):
        display = m.group(1) is not None
        tex = (m.group(1) if display else m.group(2)).strip()
        mathml = latex_to_mathml(tex, display='block' if display else 'inline')
        return mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', '')
    parts = re.split(r'(```.*?```|`[^`\n]*`)', md, flags=re.S)          # leave code alone
    return ''.join(p if i % 2 else re.sub(r'\$\$(.+?)\$\$|\$([^$\n]+?)\$', convert, p, flags=re.S)
                   for i, p in enumerate(parts))


def plain_output(output):
    "A cell output without interactive widget views (they need a kernel): their text fallback remains."
    if 'data' in output: output.data.pop(WIDGET_VIEW, None)
    return output


def to_plain_notebook(nb):
    "Turn nbdev's Quarto cells into what nbconvert renders: a title cell, show_doc output as Markdown, no directives."
    meta = front_matter(nb)
    title = f"# {meta.get('title', '')}\n\n> {meta.get('description', '')}"
    cells = [nbformat.v4.new_markdown_cell(title)] if meta else []
    for cell in nb.cells[1 if meta else 0:]:
        is_doc = cell.cell_type == 'code' and 'show_doc' in cell.source
        if is_doc and re.search(r'^#\|\s*echo:\s*false', cell.source, re.M):
            text = ''.join(o.get('data', {}).get('text/markdown', '') for o in cell.outputs)
            cells.append(nbformat.v4.new_markdown_cell(re.sub(r'\)\{[^}]*\}', ')', text)))
            continue
        if cell.cell_type == 'code':
            cell.source = '\n'.join(l for l in cell.source.splitlines() if not l.startswith('#|')).strip()
            if not cell.source and not cell.outputs: continue
            cell.outputs = [o for o in map(plain_output, cell.outputs) if o.get('data', True)]   # not widget-only ones
        if cell.cell_type == 'markdown': cell.source = math_to_mathml(cell.source)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop('widgets', None)
    return nb, meta


def sidebar_order(nbs: Path) -> list[tuple[str, str]]:
    "(section, notebook path) in the order of nbs/sidebar.yml, regenerated from the notebooks present (as nbdev_docs)."
    nbdev_sidebar.__wrapped__(path=str(nbs))          # unless settings.ini says custom_sidebar = True
    def walk(items, section):
        for item in items:
            if isinstance(item, dict): yield from walk(item.get('contents', []), item.get('section', section))
            else: yield section, item
    return list(walk(yaml.safe_load((nbs / 'sidebar.yml').read_text())['website']['sidebar']['contents'], 'modules'))


def page_path(rel: Path, meta: dict) -> str:
    "Where Quarto puts the page of notebook `rel`: its `output-file` beside it."
    return (rel.parent / meta.get('output-file', rel.with_suffix('.html').name)).as_posix()


def relative(target: str, current: str) -> str:
    "The href from page `current` to `target` (both relative to the site's root)."
    return posixpath.relpath(target, posixpath.dirname(current) or '.')


def navigation(pages: list[dict], current: str) -> str:
    "Links to every page, in sidebar order: the README, the modules, then each section (tutorials)."
    parts, section = ['<nav class="eg-nav"><h4>enriching_gan</h4>'], 'home'
    for p in pages:
        if p['section'] != section and p['section'] != 'home':
            section = p['section']
            parts.append(f'<h4>{html.escape(section)}</h4>')
        cls = ' class="current"' if p['page'] == current else ''
        parts.append(f'<a href="{relative(p["page"], current)}"{cls}>{html.escape(p["title"])}</a>')
    return ''.join(parts) + '</nav>'


def source_page(module: str, out: Path) -> str:
    "Write the highlighted source of `module` (a path relative to the repository) to src/; returns the page's path."
    page = f'src/{module}.html'
    formatter = HtmlFormatter(linenos='inline', lineanchors='L', anchorlinenos=True, full=True, title=module)
    (out / page).parent.mkdir(parents=True, exist_ok=True)
    code = (ROOT / module).read_text(encoding='utf-8')
    (out / page).write_text(highlight(code, PythonLexer(), formatter), encoding='utf-8')
    return page


class Links:
    "Rewrites nbdev's absolute links (doc host, GitHub source) into links inside the site; refuses any other to them."
    def __init__(self, out: Path, pages: set[str]):
        cfg = get_config()
        self.out, self.pages, self.sources = out, pages, {}
        self.docs = posixpath.join(cfg.doc_host, cfg.doc_baseurl.strip('/'), '')
        self.code = f'{cfg.git_url.rstrip("/")}/blob/{cfg.branch}/'
        self.forbidden = tuple(u for u in (cfg.doc_host, cfg.git_url) if u)

    def target(self, url: str, current: str) -> str:
        "The site's own page for `url`, relative to `current`."
        if url.startswith(self.docs):
            page, _, anchor = url[len(self.docs):].partition('#')
            if page in self.pages: return relative(page, current) + (f'#{anchor}' if anchor else '')
        elif url.startswith(self.code):
            module, _, line = url[len(self.code):].partition('#L')
            if (ROOT / module).is_file():
                if module not in self.sources: self.sources[module] = source_page(module, self.out)
                return relative(self.sources[module], current) + (f'#L-{line}' if line else '')
        if self.forbidden and url.startswith(self.forbidden):
            raise SystemExit(f'{current}: links to {url}, which is neither a page of the site nor a source file')
        return url

    def __call__(self, body: str, current: str) -> str:
        def rewrite(m): return f'href="{html.escape(self.target(html.unescape(m.group(1)), current))}"'
        return re.sub(r'href="([^"]+)"', rewrite, body)


def lower_heading_ids(body: str) -> str:
    "Heading anchors in lower case, as Quarto writes them and nbdev links to them (`#ensemblestore.cases`)."
    body = re.sub(r'(<h[1-6] id=")([^"]+)"', lambda m: m.group(1) + m.group(2).lower() + '"', body)
    return re.sub(r'(<a class="anchor-link" href="#)([^"]+)"', lambda m: m.group(1) + m.group(2).lower() + '"', body)


def site_css() -> str:
    "The stylesheet `_quarto.yml` names (format.html.css, in nbs/), inlined after the navigation's."
    quarto = yaml.safe_load((ROOT / '_quarto.yml').read_text())
    css = quarto.get('format', {}).get('html', {}).get('css', [])
    return NAV_CSS + ''.join((ROOT / 'nbs' / name).read_text() for name in ([css] if isinstance(css, str) else css))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=str(ROOT / '_site'), help='site directory (default: %(default)s)')
    p.add_argument('--no-execute', action='store_true', help='render the stored notebooks without running them')
    p.add_argument('--timeout', type=int, default=1200, help='seconds per cell when executing (default: %(default)s)')
    args = p.parse_args()
    out, proc = Path(args.out), ROOT / '_proc'
    order = sidebar_order(ROOT / 'nbs')
    with tempfile.TemporaryDirectory() as scratch:
        source = ROOT / 'nbs' if args.no_execute else execute_copy(ROOT / 'nbs', Path(scratch), args.timeout)
        shutil.rmtree(proc, ignore_errors=True)
        proc_nbs(str(source), force=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pages, notebooks = [], []
    for section, name in order:
        if not (proc / name).exists(): raise SystemExit(f'{proc / name}: nbdev did not process this notebook')
        nb, meta = to_plain_notebook(nbformat.read(proc / name, as_version=4))
        pages.append({'page': page_path(Path(name), meta), 'title': meta.get('title', Path(name).stem),
                      'section': 'home' if name == 'index.ipynb' else section})
        notebooks.append(nb)
    exporter = HTMLExporter(template_name='lab', template_file='offline.html.j2',
                            extra_loaders=[jinja2.DictLoader({'offline.html.j2': OFFLINE_TEMPLATE})])
    links, css = Links(out, {p['page'] for p in pages}), site_css()
    for page, nb in zip(pages, notebooks):
        body, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': page['title']}})
        body = body.replace('</head>', f'<style>{css}</style></head>', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + navigation(pages, page['page']), body, count=1)
        (out / page['page']).parent.mkdir(parents=True, exist_ok=True)
        (out / page['page']).write_text(links(lower_heading_ids(body), page['page']), encoding='utf-8')
    (out / 'pages.json').write_text(json.dumps(pages, indent=1))
    print(f'{len(pages)} pages in {out}: ' + ', '.join(p['page'] for p in pages))


if __name__ == '__main__':
    main()

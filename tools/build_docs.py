"""Render the documentation site without Quarto: nbdev's processed notebooks (`nbdev_proc_nbs`: API docs from
`show_doc`, hidden cells removed) converted to HTML with nbconvert, with a navigation bar on every page.

    python tools/build_docs.py [--no-execute] [--out _site]
    python -m http.server --directory _site 8000      # then open http://127.0.0.1:8000

By default the notebooks are first executed in a scratch copy (cells flagged slow, cuda or notest are shown but not
run, as under nbdev_test), so the pages carry their figures and printed results; `--no-execute` renders the stored
notebooks as they are (code and API docs, no outputs) in seconds. With Quarto installed, `nbdev_docs` renders the
same notebooks through `nbs/_quarto.yml` instead.
"""
import argparse
import html
import json
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import nbformat
import yaml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ExecutePreprocessor
from nbdev.serve import proc_nbs

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_FLAGS = ('slow', 'cuda', 'notest')
warnings.filterwarnings('ignore', message='Cell is missing an id field')   # nbdev writes processed cells without ids
NAV_CSS = ('.eg-nav{position:fixed;top:0;left:0;bottom:0;width:230px;overflow:auto;padding:1em;background:#f6f6f6;'
           'border-right:1px solid #ddd;font:14px system-ui,sans-serif;z-index:10}.eg-nav a{display:block;padding:3px 0;'
           'color:#1f4e8c;text-decoration:none}.eg-nav a.current{font-weight:bold}.eg-nav h4{margin:1em 0 .3em}'
           'body{margin-left:250px!important}')


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
        ExecutePreprocessor(timeout=timeout, kernel_name='python3').preprocess(nb, {'metadata': {'path': str(cwd)}})
        nbformat.write(nb, path)
    return dest


def front_matter(nb) -> dict:
    "The Quarto front matter (title, description) nbdev put in the first raw cell."
    cell = nb.cells[0] if nb.cells else None
    if cell is None or cell.cell_type != 'raw' or not cell.source.startswith('---'): return {}
    return yaml.safe_load(cell.source.strip().strip('-')) or {}


def to_plain_notebook(nb):
    "Turn nbdev's Quarto cells into what nbconvert renders: a title cell, show_doc output as Markdown, no directives."
    meta = front_matter(nb)
    cells = [nbformat.v4.new_markdown_cell(f"# {meta.get('title', '')}\n\n> {meta.get('description', '')}")] if meta else []
    for cell in nb.cells[1 if meta else 0:]:
        if cell.cell_type == 'code' and 'show_doc' in cell.source and re.search(r'^#\|\s*echo:\s*false', cell.source, re.M):
            text = ''.join(o.get('data', {}).get('text/markdown', '') for o in cell.outputs)
            cells.append(nbformat.v4.new_markdown_cell(re.sub(r'\)\{[^}]*\}', ')', text)))
            continue
        if cell.cell_type == 'code':
            cell.source = '\n'.join(l for l in cell.source.splitlines() if not l.startswith('#|')).strip()
            if not cell.source and not cell.outputs: continue
        cells.append(cell)
    nb.cells = cells
    return nb, meta.get('title', 'untitled')


def page_name(rel: Path) -> str:
    return str(rel.with_suffix('.html')).replace('/', '_')


def navigation(pages: list[dict], current: str) -> str:
    "Links to every page: the README, the modules in reading order, then the tutorials."
    parts = ['<nav class="eg-nav"><h4>enriching_gan</h4>']
    for section in ('home', 'modules', 'tutorials'):
        items = [p for p in pages if p['section'] == section]
        if items and section != 'home': parts.append(f'<h4>{section}</h4>')
        parts += [f'<a href="{p["page"]}"{" class=current" if p["page"] == current else ""}>{html.escape(p["title"])}</a>' for p in items]
    return ''.join(parts) + '</nav>'


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=str(ROOT / '_site'), help='site directory (default: %(default)s)')
    p.add_argument('--no-execute', action='store_true', help='render the stored notebooks without running them')
    p.add_argument('--timeout', type=int, default=1200, help='seconds per cell when executing (default: %(default)s)')
    args = p.parse_args()
    out, proc = Path(args.out), ROOT / '_proc'
    with tempfile.TemporaryDirectory() as scratch:
        source = ROOT / 'nbs' if args.no_execute else execute_copy(ROOT / 'nbs', Path(scratch), args.timeout)
        shutil.rmtree(proc, ignore_errors=True)
        proc_nbs(str(source), force=True)
    notebooks = sorted(proc.rglob('*.ipynb'))
    if not notebooks: raise SystemExit(f'{proc}: nbdev produced no processed notebooks')
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rendered = []
    for path in notebooks:
        nb, title = to_plain_notebook(nbformat.read(path, as_version=4))
        rel = path.relative_to(proc)
        section = 'home' if rel.name == 'index.ipynb' else 'tutorials' if rel.parts[0] == 'tutorials' else 'modules'
        rendered.append(({'page': 'index.html' if section == 'home' else page_name(rel), 'title': title, 'section': section}, nb))
    pages = [page for page, _ in sorted(rendered, key=lambda r: ('home', 'modules', 'tutorials').index(r[0]['section']))]
    exporter = HTMLExporter(template_name='lab')
    for page, nb in rendered:
        body, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': page['title']}})
        body = body.replace('</head>', f'<style>{NAV_CSS}</style></head>', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + navigation(pages, page['page']), body, count=1)
        (out / page['page']).write_text(body, encoding='utf-8')
    (out / 'pages.json').write_text(json.dumps(pages, indent=1))
    print(f'{len(pages)} pages in {out}: ' + ', '.join(p['page'] for p in pages))


if __name__ == '__main__':
    main()

"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto).

Markdown cells are copied; code cells become fenced Python blocks, their text outputs fenced
plain blocks; cells with an nbdev `#|` directive of `hide` or `export` are left out.

    python tools/render_readme.py
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = ('#| hide', '#| export', '#| default_exp')


def cell_markdown(cell: dict) -> str:
    "Markdown for one notebook cell ('' for hidden cells)."
    src = ''.join(cell['source']).strip()
    if cell['cell_type'] == 'markdown': return src
    if cell['cell_type'] != 'code' or not src or any(d in src for d in HIDDEN): return ''
    parts = [f'```python\n{src}\n```']
    for out in cell.get('outputs', []):
        text = ''.join(out.get('text', out.get('data', {}).get('text/plain', ''))).rstrip()
        if text: parts.append(f'```\n{text}\n```')
    return '\n\n'.join(parts)


def main():
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    blocks = [b for b in map(cell_markdown, nb['cells']) if b]
    text = '\n\n'.join(blocks) + '\n'
    (ROOT / 'README.md').write_text('<!-- generated from nbs/index.ipynb by tools/render_readme.py: edit the notebook -->\n\n' + text)


if __name__ == '__main__':
    main()

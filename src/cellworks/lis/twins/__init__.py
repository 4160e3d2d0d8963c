"""Digital twins of the published Li–S cells of documents 000 and 001.

* :mod:`.protocols` — the documents' protocols as ``cellworks.protocol`` text (from the targets file);
* :mod:`.mechanisms` — a document's cell (recipe → scaled chemistry, activation) and running it;
* :mod:`.metrics` — capacities, maxima, retention, coulombic efficiency, plateaus, R_ct;
* :mod:`.targets` — the published numbers, their roles (fitted / held out) and the cells of a targets file;
* :mod:`.reproduce` — every number of a document beside its twin's.

The calibration is :mod:`cellworks.lis.fit`; files are read by :mod:`cellworks.lis.readers`.
"""

"""Bringing a resident file (CSV or XLSX) into the register, in four modules by job.

- :mod:`~station.register.importing.schema`: the canonical columns, their Indonesian labels and
  the header aliases (OpenSID exports included) that map a file's columns onto them;
- :mod:`~station.register.importing.rows`: checking and typing one row (:func:`validate_row`,
  also used when a resident is registered at the desk);
- :mod:`~station.register.importing.files`: reading CSV/XLSX files (encodings, delimiters,
  Excel's number cells, invisible characters) into rows;
- :mod:`~station.register.importing.bulk`: the import into the database (batches, upsert by
  NIK, the report of rejected rows, validation in a second process for big files).

The file format is described for office staff in ``docs/import-format.md``.
"""

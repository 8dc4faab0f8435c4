"""Data exchange: PACT v3 footprints (export, supplier import), Excel template and results, CSV.

Every exporter returns bytes (the command line writes them, the web app offers them):

* :func:`footprint.exchange.pact.pact_json` / :func:`~footprint.exchange.pact.export_json`;
* :func:`footprint.exchange.excel.results_xlsx`, :func:`~footprint.exchange.excel.results_csv`,
  :func:`~footprint.exchange.excel.bom_template_xlsx`;
* supplier footprints: :mod:`footprint.exchange.suppliers`.
"""

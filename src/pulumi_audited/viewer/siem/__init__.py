"""The formats SIEMs already parse, one module each, free of click and of the terminal so
that the exporter (`audit export`) and the forwarder share them. Each maps one record (and,
optionally, the run id of the preview that planned it) to one event:

- cef.cef_message(record, preview_run_id=None) -> str; cef.cef_line(...) -> str (with the
  syslog prefix of Pulumi Cloud's CEF export)
- ocsf.ocsf_event(record, preview_run_id=None) -> dict (OCSF API Activity, 6003)
- ecs.ecs_document(record, preview_run_id=None) -> dict (Elastic Common Schema)
- pulumi_cloud.cloud_event(record, preview_run_id=None) -> dict, and
  pulumi_cloud.cloud_page(events, continuation_token=None) -> dict (Pulumi Cloud's REST JSON)
"""

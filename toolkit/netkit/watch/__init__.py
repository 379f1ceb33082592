"""The configuration watcher (`netkit backup serve`): backups on a schedule and on syslog, judged by compliance."""

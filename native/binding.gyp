{
  "targets": [
    {
      "target_name": "sockaudit",
      "sources": ["addon.c", "digest.c", "fd-scan.c", "sock-diag.c", "set-hash.c", "sock-destroy.c", "malloc-trim.c", "json-assembly.c"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"]
    }
  ]
}

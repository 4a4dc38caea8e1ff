"""`ocpp-tui certs`: the local CA and the server certificate for wss:// (security profiles 2, 3)."""

from __future__ import annotations

import argparse

from cryptography import x509

from ocpptui.cli.startup import load
from ocpptui.services.security_setup import tls_folder
from ocpptui.services.tls import TlsFiles, default_names, ensure_certificates, fingerprint


def run(args: argparse.Namespace) -> int:
    paths, _settings = load(args)
    folder = tls_folder(paths.data_dir)
    names = args.name or default_names()
    had_files = TlsFiles.in_folder(folder).exist()
    files = ensure_certificates(folder, names, renew=bool(args.renew or args.name))
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    print(("using" if had_files and not (args.renew or args.name) else "created") + f" {folder}")
    print(f"CA certificate      {files.ca_cert}  (install this on the charger)")
    print(f"  SHA-256           {fingerprint(ca)}")
    print(f"server certificate  {files.server_cert}  (chain: server + CA)")
    print(f"  names             {', '.join(str(n.value) for n in sans)}")
    print(f"  valid until       {server.not_valid_after_utc:%Y-%m-%d}")
    print(f"server key          {files.server_key}")
    if args.export:
        args.export.write_bytes(files.ca_cert.read_bytes())
        print(f"CA certificate written to {args.export}")
    print("Set [security] profile = 2 (or 3) in the settings file to serve wss://.")
    return 0

"""Publication: gate → public extract files + manifest, written atomically, byte-identical on unchanged data.

Entry point: :func:`publication.publish.publish`; what is published: ``contracts/publication.yml``.
"""

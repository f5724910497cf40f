"""The application: a request (:mod:`caqes_toolkit.app.request`) and one function per command that
answers it and returns data (:mod:`caqes_toolkit.app.commands`, :mod:`caqes_toolkit.app.documents`),
between the command line above and the layers below."""

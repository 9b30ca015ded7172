"""A connector module that fails to import, like a plug-in with a missing dependency."""

import hub_connector_dependency_that_is_not_installed  # noqa: F401

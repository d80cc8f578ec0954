"""Small helpers the end-to-end tests share: policy documents, expected errors, and clients
that use temporary credentials."""

import json

import botocore.exceptions
import pytest


def policy(*statements):
    """An IAM policy document (JSON text) of `statements`."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def error_of(call):
    """The `Error` of the ClientError that `call()` must raise."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def clients_for(server, credentials):
    """A function from a service name to a client that signs with STS `credentials`."""
    return lambda service: server.client(
        service, key_id=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
        token=credentials["SessionToken"])

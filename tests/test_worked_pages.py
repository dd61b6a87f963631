"""The two Tools pages: what they show is what the command and the script really do."""

import html
import posixpath
import re
from fractions import Fraction

import pytest
from chapter_checks import oracles_of

from derivations.cli.main import main
from derivations.pages import try_your_numbers, worked_cli
from derivations.render.page import Asset, Page


def items(module):
    built = list(module.build())
    return ([i for i in built if isinstance(i, Page)], [i for i in built if isinstance(i, Asset)])


def test_the_try_page_ships_the_script_and_points_at_it_relatively():
    pages, assets = items(try_your_numbers)
    assert [p.path for p in pages] == ["tools/try-your-numbers.md"]
    assert [a.path for a in assets] == ["assets/javascripts/worked.js"]
    assert assets[0].content == try_your_numbers.SCRIPT.read_text(encoding="utf-8")
    sources = re.findall(r'<script src="([^"]+)"></script>', pages[0].markdown)
    assert len(sources) == 1 and not sources[0].startswith(("http:", "https:", "//", "/"))
    # served at tools/try-your-numbers/ (use_directory_urls): resolve like a browser would
    assert posixpath.normpath(posixpath.join("tools/try-your-numbers/", sources[0])) == \
        assets[0].path


def test_the_form_starts_with_the_seed_example_in_value_attributes():
    """The fields the page is built with read, by the command's rules, as the seed network."""
    import html

    from derivations.examples import seed as seed
    from derivations.render.network_form import network_from_form

    page = items(try_your_numbers)[0][0].markdown
    values = {name: html.unescape(value)
              for name, value in re.findall(r'name="([\w-]+)" value="([^"]*)"', page)}
    values.update(re.findall(r'<select id="worked-[\w-]+" name="([\w-]+)">.*?'
                             r'<option value="(\w+)" selected>', page))
    network, rate = network_from_form(values)
    assert rate is None and network.loss == "sse"
    assert network.input == (tuple(tuple(map(Fraction, r)) for r in seed.I),)
    assert [layer.weight[0][0] for layer in network.layers] == \
        [tuple(tuple(map(Fraction, r)) for r in w) for w in (seed.W1, seed.W2)]
    assert network.target == seed.TARGET


def test_the_script_enforces_the_same_limits_as_the_command():
    from derivations.oracles import worked_limits

    script = try_your_numbers.script_constants(try_your_numbers.SCRIPT.read_text("utf-8"))
    for key, value in worked_limits.quantities().items():
        assert script[key.removeprefix(worked_limits.PREFIX + ".")] == value, key


def output_blocks(markdown: str) -> str:
    """The text of the page's command-output blocks, as a reader sees it, one after another."""
    blocks = re.findall(r'<pre class="code-output"><code>(.*?)</code></pre>', markdown, re.S)
    return "\n".join(html.unescape(re.sub(r"</?span[^>]*>", "", block)) for block in blocks)


def test_the_cli_page_shows_the_commands_real_output(capsys):
    page = output_blocks(items(worked_cli)[0][0].markdown)
    assert main(["worked", "--format", "stackexchange"]) == 0
    seed_answer = capsys.readouterr().out
    assert seed_answer.rstrip() in page
    x, k, y = worked_cli.JSON_EXAMPLE
    assert main(["worked", "--input", x, "--kernel", k, "--target", y, "--format", "json"]) == 0
    assert capsys.readouterr().out.rstrip() in page
    x, k, y = worked_cli.BAD_EXAMPLE
    assert main(["worked", "--input", x, "--kernel", k, "--target", y]) == 2
    assert capsys.readouterr().err.strip() in page


@pytest.mark.slow
def test_the_built_tools_pages_pass_the_audit(built_site):
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers

    for module, html_path in ((try_your_numbers, "tools/try-your-numbers/index.html"),
                              (worked_cli, "tools/worked-cli/index.html")):
        page = items(module)[0][0]
        found = extract_numbers((built_site / html_path).read_text(encoding="utf-8"))
        assert found.found_article
        assert audit_page(html_path, page.records, found, oracles_of(page.records)) == []
    assert (built_site / "assets/javascripts/worked.js").is_file()


@pytest.mark.slow
def test_every_link_in_the_answer_text_is_a_page_and_anchor_of_the_built_site(built_site):
    """An answer on Stack Exchange outlives a renamed page: each link must land somewhere."""
    from pathlib import Path

    from derivations.render.worked_format import BOOK_URL, LINKS

    config = (Path(__file__).resolve().parents[1] / "mkdocs.yml").read_text("utf-8")
    assert re.search(r"^site_url: (\S+)$", config, re.M).group(1) == BOOK_URL
    # (the page's script writes the same links: the browser test compares its text byte for byte)
    for url in LINKS.values():
        page, _, anchor = url.removeprefix(BOOK_URL).partition("#")
        html = (built_site / page / "index.html").read_text(encoding="utf-8")
        if anchor:
            assert f'id="{anchor}"' in html, url

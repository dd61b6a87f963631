"""Reading numbers back from built HTML: what counts as marked, notation, or unaccounted."""

from derivations.audit.page_html import extract_numbers

PAGE = """<nav>12 nav</nav><article class="md-content__inner">
<h1 id="t">Title<a class="headerlink" href="#t">¶</a></h1>
<p>A <span class="num">−3</span> and a typed 7 and <code>x = 5</code>.</p>
<math><msubsup><mi>w</mi><mn>1</mn><mn>2</mn></msubsup><mo>=</mo><mn class="num">14</mn>
<mn class="lit">2</mn><msup><mrow><mi>o</mi></mrow><mn>2</mn></msup><mn>9</mn></math>
<div class="equation" id="eq-a"><math></math><a class="eq-num" href="#eq-a">(1)</a></div>
<img src="x.png"><br><p>tail 4.5 <span class="lit">2</span></p>
<div class="cite-box">2026</div></article><footer>99</footer>"""


def test_only_the_article_body_is_read_and_numbers_are_classified():
    found = extract_numbers(PAGE)
    assert found.found_article
    assert found.marked == ["−3", "14"]
    assert found.unaccounted == ["7", "9", "4.5"]


def test_a_page_without_article_is_reported_as_such():
    assert not extract_numbers("<html><body><p>1</p></body></html>").found_article

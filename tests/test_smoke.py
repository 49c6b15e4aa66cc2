def test_front_page_lists_the_demo_article(client):
    html = client.get("/").get_data(as_text=True)
    assert "IOM Director General Statement" in html
    assert "1 comment" in html

"""The article form. Times are written in the site's time zone and stored in UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from talkback import settings
from talkback.models import Article

from .editing import Draft

COMMENT_CHOICES = [
    SelectChoice("site", "As the site's setting says"),
    SelectChoice("open", "Open"),
    SelectChoice("closed", "Closed"),
    SelectChoice("after", "Close after a number of days"),
]


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.current()["SITE_TIMEZONE"])


class ArticleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Write a title."), Length(max=300)])
    slug = StringField("Address (slug)", validators=[
        Optional(), Length(max=100),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
               message="Use lower-case letters, digits and single hyphens, e.g. budget-2027."),
    ], description="The last part of the article's address. Left empty, it is made from the title. "
                   "Changing it later keeps the old address working.")
    byline = StringField("Byline", validators=[Length(max=200)])
    published_at = DateTimeLocalField("Publication time", format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                      description="In the site's time zone. A time still to come schedules "
                                                  "the article; left empty, it is published when you "
                                                  "press Publish.")
    body = TextAreaField("Text", description="Markdown: a blank line between paragraphs, **bold**, "
                                             "*italic*, [a link](https://…), ## a heading.")
    excerpt = TextAreaField("Excerpt", validators=[Length(max=1000)],
                            description="Shown on the front page. Left empty, it is the body's first words.")
    copyright_notice = StringField("Copyright line", validators=[Length(max=500)],
                                   description="Left empty, the site's default copyright line.")
    comments = SelectField("Comments", choices=COMMENT_CHOICES, default="site")
    comments_days = IntegerField("Days after publication", validators=[Optional(), NumberRange(1, 36_500)])

    def validate_comments_days(self, field) -> None:
        if self.comments.data == "after" and not field.data:
            raise ValueError("Give the number of days after which comments close.")

    @classmethod
    def for_article(cls, article: Article, **kwargs) -> ArticleForm:
        if article.comments_closed:
            comments = "closed"
        elif article.comments_close_after_days is None:
            comments = "site"
        else:
            comments = "after" if article.comments_close_after_days else "open"
        published = article.published_at.astimezone(site_zone()).replace(tzinfo=None) \
            if article.published_at else None
        return cls(data={
            "title": article.title, "slug": article.slug, "byline": article.byline,
            "published_at": published, "body": article.body, "excerpt": article.excerpt,
            "copyright_notice": article.copyright_notice, "comments": comments,
            "comments_days": article.comments_close_after_days or None,
        }, **kwargs)

    def draft(self) -> Draft:
        when: datetime | None = self.published_at.data
        days = {"site": None, "open": 0, "closed": None, "after": self.comments_days.data}[self.comments.data]
        return Draft(
            title=self.title.data or "",
            slug=self.slug.data or "",
            byline=self.byline.data or "",
            published_at=when.replace(tzinfo=site_zone()) if when else None,
            body=(self.body.data or "").replace("\r\n", "\n"),
            excerpt=self.excerpt.data or "",
            copyright_notice=self.copyright_notice.data or "",
            comments_closed=self.comments.data == "closed",
            comments_close_after_days=days,
        )

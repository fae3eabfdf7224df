"""English formats: British, as the site had before it spoke Spanish (day before month when an
editor types a date), with dates written out in full: "3 March 2011"."""

from django.conf.locale.en_GB.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i e"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"

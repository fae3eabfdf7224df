"""English dates as the archive writes them: "3 March 2011" (Django's "en" says "March 3, 2011")."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i e"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"

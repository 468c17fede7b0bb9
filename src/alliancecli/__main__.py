from alliancecli.cli import run

run()

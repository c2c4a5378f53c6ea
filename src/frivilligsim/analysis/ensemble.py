"""stub"""

def run_task(run, run_dir):
    raise NotImplementedError
